"""The explicit business-weighted score of every lead and customer (seed scoring_weights)."""

from audience.jobs import weighted_scores


def model(dbt, session):
    dbt.config(materialized="table")
    return weighted_scores(
        lead_features=dbt.ref("lead_features"),
        customer_features=dbt.ref("customer_features"),
        weights=dbt.ref("scoring_weights"),
    )
