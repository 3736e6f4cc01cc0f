"""The `feature_exclusions` table of the customer segmentation (logic: audience.clustering, via audience.jobs)."""

from audience.jobs import customer_segmentation, previous_table


def model(dbt, session):
    dbt.config(materialized="table")
    fit = customer_segmentation(
        features=dbt.ref("customer_features"),
        registry=dbt.ref("feature_registry"),
        previous_centroids=previous_table(session, "ml", "segment_centroids"),
        config=dbt.config.get("segmentation"),
    )
    return fit.table("feature_exclusions")
