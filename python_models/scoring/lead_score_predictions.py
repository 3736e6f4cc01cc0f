"""Lead conversion scores of every lead (logic: audience.scoring, via audience.jobs)."""

from audience.jobs import lead_conversion, model_context


def model(dbt, session):
    dbt.config(materialized="table")
    fit = lead_conversion(
        lead_features=dbt.ref("lead_features"),
        labels=dbt.ref("lead_conversion_labels"),
        registry=dbt.ref("feature_registry"),
        economics=dbt.ref("scoring_economics"),
        context=model_context(
            dbt.ref("int_snapshot_dates"), session, dbt.this.schema, dbt.config.get("cadence")
        ),
        config=dbt.config.get("scoring"),
    )
    return fit.scores
