"""The `coefficients` table of both scoring models (logic: audience.scoring, via audience.jobs)."""

from audience.jobs import both_scoring_tables, lead_conversion, model_context, purchase_propensity


def model(dbt, session):
    dbt.config(materialized="table")
    config = dbt.config.get("scoring")
    registry, economics = dbt.ref("feature_registry"), dbt.ref("scoring_economics")
    context = model_context(
        dbt.ref("int_snapshot_dates"), session, dbt.this.schema, dbt.config.get("cadence")
    )
    lead = lead_conversion(
        lead_features=dbt.ref("lead_features"),
        labels=dbt.ref("lead_conversion_labels"),
        registry=registry,
        economics=economics,
        context=context,
        config=config,
    )
    propensity = purchase_propensity(
        training_features=dbt.ref("customer_features_training"),
        labels=dbt.ref("customer_propensity_labels"),
        current_features=dbt.ref("customer_features"),
        registry=registry,
        economics=economics,
        context=context,
        config=config,
    )
    return both_scoring_tables(lead, propensity, "coefficients")
