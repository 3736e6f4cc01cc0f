"""Lead conversion scores of every lead (logic: audience.scoring, via audience.jobs)."""

from audience.jobs import lead_conversion


def model(dbt, session):
    dbt.config(materialized="table")
    fit = lead_conversion(
        lead_features=dbt.ref("lead_features"),
        labels=dbt.ref("lead_conversion_labels"),
        registry=dbt.ref("feature_registry"),
        economics=dbt.ref("scoring_economics"),
        config=dbt.config.get("scoring"),
    )
    return fit.scores
