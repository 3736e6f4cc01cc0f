"""The `algorithm_agreement` table of the customer segmentation (logic: audience.clustering, via audience.jobs)."""

from audience.jobs import customer_segmentation, model_context


def model(dbt, session):
    dbt.config(materialized="table")
    fit = customer_segmentation(
        features=dbt.ref("customer_features"),
        registry=dbt.ref("feature_registry"),
        context=model_context(
            dbt.ref("int_snapshot_dates"), session, dbt.this.schema, dbt.config.get("cadence")
        ),
        config=dbt.config.get("segmentation"),
    )
    return fit.table("algorithm_agreement")
