"""Purchase propensity scores of every current customer (logic: audience.scoring, via audience.jobs)."""

from audience.jobs import model_context, purchase_propensity


def model(dbt, session):
    dbt.config(materialized="table")
    fit = purchase_propensity(
        training_features=dbt.ref("customer_features_training"),
        labels=dbt.ref("customer_propensity_labels"),
        current_features=dbt.ref("customer_features"),
        registry=dbt.ref("feature_registry"),
        economics=dbt.ref("scoring_economics"),
        context=model_context(
            dbt.ref("int_snapshot_dates"), session, dbt.this.schema, dbt.config.get("cadence")
        ),
        config=dbt.config.get("scoring"),
    )
    return fit.scores
