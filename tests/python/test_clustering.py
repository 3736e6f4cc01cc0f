"""Tests of audience.clustering.fit_segments on small synthetic customers with planted groups."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from project_settings import segmentation_settings
from scipy.spatial.distance import pdist
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score

from audience.clustering import (
    ALGORITHMS,
    SEGMENTATION_SCHEMAS,
    SegmentationResult,
    fit_segments,
    nearest_centroid,
)
from audience.features import FeatureSpec
from audience.preprocessing import Preprocessor
from audience.screening import EXCLUSIONS_SCHEMA

FRAMES = (
    "assignments",
    "assignments_by_algorithm",
    "model_selection",
    "algorithm_agreement",
    "centroids",
    "scaler_params",
    "pca_loadings",
    "embedding_2d",
    "feature_exclusions",
)


def segment(
    frame: pd.DataFrame,
    features: list[FeatureSpec],
    previous_centroids: pd.DataFrame | None = None,
    **settings: object,
) -> SegmentationResult:
    """fit_segments with the project's default settings (dbt_project.yml), k_max 8, ``settings``
    overriding some."""
    return fit_segments(
        frame,
        features,
        id_column="customer_id",
        settings=segmentation_settings(**{"k_max": 8, **settings}),
        previous_centroids=previous_centroids,
    )


def make_customers(
    n_groups: int, seed: int = 0, n: int = 1200
) -> tuple[pd.DataFrame, np.ndarray, list[FeatureSpec]]:
    """Customers in ``n_groups`` well-separated groups (centres >= 8 apart, spread 1) in four rate
    features, a log-normal spend and a main device that both depend on the group, and NULLs."""
    rng = np.random.default_rng(seed)
    centers = rng.uniform(-10, 10, size=(n_groups, 4))
    while pdist(centers).min() < 8:
        centers = rng.uniform(-10, 10, size=(n_groups, 4))
    blobs, group = make_blobs(n_samples=n, centers=centers, cluster_std=1.0, random_state=seed)
    spend_mu = np.linspace(2.5, 6.0, n_groups)[rng.permutation(n_groups)]
    devices = np.array(["desktop", "mobile", "tablet"])
    usual_device = rng.integers(0, 3, n_groups)
    device = np.where(rng.random(n) < 0.9, usual_device[group], rng.integers(0, 3, n))
    frame = pd.DataFrame({"customer_id": rng.permutation(np.arange(10_000, 10_000 + n))})
    for j in range(4):
        frame[f"rate_{j}"] = blobs[:, j]
    frame["total_spend"] = rng.lognormal(spend_mu[group], 0.4)
    frame["main_device"] = pd.Series(devices[device], dtype="str")
    frame.loc[rng.random(n) < 0.05, "rate_0"] = np.nan
    frame.loc[rng.random(n) < 0.03, "main_device"] = None
    features = [FeatureSpec(f"rate_{j}", "numeric") for j in range(4)]
    features += [FeatureSpec("total_spend", "numeric"), FeatureSpec("main_device", "categorical")]
    return frame, group, features


@pytest.fixture(scope="module", params=[4, 5], ids=["4_groups", "5_groups"])
def planted(request) -> tuple[pd.DataFrame, np.ndarray, list[FeatureSpec], SegmentationResult]:
    frame, group, features = make_customers(request.param)
    return frame, group, features, segment(frame, features)


@pytest.fixture(scope="module")
def four() -> tuple[pd.DataFrame, np.ndarray, list[FeatureSpec], SegmentationResult]:
    frame, group, features = make_customers(4)
    return frame, group, features, segment(frame, features)


def _segments_in_frame_order(frame: pd.DataFrame, result: SegmentationResult) -> np.ndarray:
    return result.assignments.set_index("customer_id").loc[frame["customer_id"], "segment_id"].to_numpy()


def _assert_nearest_centroid(frame: pd.DataFrame, result: SegmentationResult) -> None:
    """The SQL rule, written here with numpy: scale with the params table, nearest centroid."""
    ordered = frame.sort_values("customer_id").reset_index(drop=True)
    z = Preprocessor.from_params(result.scaler_params).transform(ordered)
    wide = result.centroids.pivot_table(
        index="segment_id", columns="position", values="scaled_value"
    ).sort_index()
    distances = np.sqrt(((z[:, None, :] - wide.to_numpy()[None, :, :]) ** 2).sum(axis=2))
    expected = wide.index.to_numpy()[distances.argmin(axis=1)]
    np.testing.assert_array_equal(result.assignments["segment_id"].to_numpy(), expected)
    np.testing.assert_allclose(result.assignments["distance_to_centroid"], distances.min(axis=1), rtol=1e-12)


def test_recovers_planted_groups(planted):
    frame, group, _, result = planted
    n_groups = len(np.unique(group))
    assert result.chosen_k == n_groups
    assert adjusted_rand_score(group, _segments_in_frame_order(frame, result)) >= 0.9


def test_every_row_assigned_once_in_id_order(planted):
    frame, _, _, result = planted
    assignments = result.assignments
    assert list(assignments.columns) == [
        "customer_id",
        "segment_id",
        "distance_to_centroid",
        "membership_probability",
        "algorithm",
    ]
    assert len(assignments) == len(frame)
    assert assignments["customer_id"].is_unique
    assert set(assignments["customer_id"]) == set(frame["customer_id"])
    assert assignments["customer_id"].is_monotonic_increasing
    assert assignments["segment_id"].dtype == np.int64
    assert sorted(assignments["segment_id"].unique()) == list(range(result.chosen_k))
    assert (assignments["algorithm"] == "kmeans").all()
    assert assignments["membership_probability"].isna().all()  # k-means gives no probability


def test_primary_assignment_is_nearest_centroid(planted):
    frame, _, _, result = planted
    _assert_nearest_centroid(frame, result)


def test_segment_ids_ordered_by_size(four):
    _, _, _, result = four
    sizes = result.assignments["segment_id"].value_counts().sort_index()
    assert sizes.is_monotonic_decreasing


def test_deterministic_and_independent_of_row_order(four):
    frame, _, features, result = four
    again = segment(frame, features)
    shuffled = segment(frame.sample(frac=1.0, random_state=9), features)
    for name in FRAMES:
        pd.testing.assert_frame_equal(getattr(result, name), getattr(again, name))
        pd.testing.assert_frame_equal(getattr(result, name), getattr(shuffled, name))
    assert result.chosen_k == again.chosen_k == shuffled.chosen_k


def test_previous_centroids_of_the_same_data_keep_ids(four):
    frame, _, features, result = four
    again = segment(frame, features, previous_centroids=result.centroids)
    pd.testing.assert_frame_equal(again.assignments, result.assignments)
    pd.testing.assert_frame_equal(again.centroids, result.centroids)


def test_permuted_previous_centroids_map_back(four):
    frame, _, features, result = four
    mapping = {0: 2, 1: 0, 2: 3, 3: 1}
    previous = result.centroids.assign(segment_id=result.centroids["segment_id"].map(mapping))
    renamed = segment(frame, features, previous_centroids=previous)
    expected = result.assignments["segment_id"].map(mapping).to_numpy()
    np.testing.assert_array_equal(renamed.assignments["segment_id"].to_numpy(), expected)
    _assert_nearest_centroid(frame, renamed)


def test_slightly_moved_previous_centroids_keep_ids(four):
    frame, _, features, result = four
    noise = np.random.default_rng(3).normal(0.0, 0.05, len(result.centroids))
    previous = result.centroids.assign(scaled_value=result.centroids["scaled_value"] + noise)
    again = segment(frame, features, previous_centroids=previous)
    pd.testing.assert_series_equal(again.assignments["segment_id"], result.assignments["segment_id"])


def test_new_segments_get_fresh_ids_after_the_largest_previous_id(four):
    frame, _, features, result = four
    kept = result.centroids[result.centroids["segment_id"] != 3]
    previous = kept.assign(segment_id=kept["segment_id"] + 10)
    again = segment(frame, features, previous_centroids=previous)
    expected = result.assignments["segment_id"].map({0: 10, 1: 11, 2: 12, 3: 13}).to_numpy()
    np.testing.assert_array_equal(again.assignments["segment_id"].to_numpy(), expected)
    assert sorted(again.centroids["segment_id"].unique()) == [10, 11, 12, 13]


def test_previous_centroids_sharing_no_feature_are_rejected(four):
    frame, _, features, result = four
    previous = result.centroids.assign(feature="something_else")
    with pytest.raises(ValueError, match="share no feature"):
        segment(frame, features, previous_centroids=previous)


def test_centroids_table(four):
    _, _, _, result = four
    centroids = result.centroids
    params = result.scaler_params.set_index("output_feature")
    assert list(centroids.columns) == ["segment_id", "feature", "position", "scaled_value", "original_value"]
    assert len(centroids) == result.chosen_k * len(params)
    assert centroids[["segment_id", "position"]].apply(tuple, axis=1).is_monotonic_increasing
    row = params.loc[centroids["feature"]]
    t = centroids["scaled_value"].to_numpy() * row["scale"].to_numpy() + row["center"].to_numpy()
    expected = np.where(row["transform"] == "log1p", np.expm1(t), t)
    np.testing.assert_allclose(centroids["original_value"], expected, rtol=1e-12)
    shares = centroids.loc[
        row["transform"].isin(["one_hot", "missing_indicator"]).to_numpy(), "original_value"
    ]
    assert shares.between(-1e-12, 1 + 1e-12).all()
    assert (row["transform"] == "log1p").any()


def test_model_selection_table(four):
    _, _, _, result = four
    table = result.model_selection
    assert list(table.columns) == [
        "algorithm",
        "k",
        "inertia",
        "silhouette",
        "calinski_harabasz",
        "davies_bouldin",
        "gap",
        "gap_se",
        "bic",
        "stability",
        "stability_std",
        "is_chosen",
        "is_primary",
        "selected_by",
    ]
    assert set(table["algorithm"]) == set(ALGORITHMS)
    assert table.groupby("algorithm")["is_chosen"].sum().eq(1).all()
    chosen = table[table["is_chosen"] & table["is_primary"]]
    assert chosen["algorithm"].tolist() == ["kmeans"] and chosen["k"].item() == result.chosen_k
    assert "rule:stable_score" in chosen["selected_by"].item()
    kmeans = table[table["algorithm"] == "kmeans"]
    assert kmeans["stability"].between(-1, 1).all() and kmeans["stability_std"].ge(0).all()
    assert table.loc[table["algorithm"] != "kmeans", "stability"].isna().all()
    # planted, well-separated groups: the chosen k is fully stable
    assert kmeans["k"].tolist() == list(range(2, 9))
    assert (
        kmeans[["inertia", "silhouette", "calinski_harabasz", "davies_bouldin", "gap", "gap_se"]]
        .notna()
        .all()
        .all()
    )
    assert kmeans.loc[kmeans["is_chosen"], "stability"].item() > 0.99
    assert kmeans["bic"].isna().all()
    assert table.loc[table["algorithm"] == "gmm", "bic"].notna().all()


def test_other_algorithms_are_matched_to_primary_ids(four):
    _, _, _, result = four
    by_algorithm = result.assignments_by_algorithm
    assert list(by_algorithm.columns) == ["customer_id", *ALGORITHMS]
    assert all(by_algorithm[a].dtype == np.int64 for a in ALGORITHMS)
    np.testing.assert_array_equal(by_algorithm["kmeans"], result.assignments["segment_id"])
    assert (by_algorithm["hdbscan"] >= -1).all()
    # on well-separated groups the id-matched labels mostly coincide with the primary's
    assert (by_algorithm["agglomerative"] == by_algorithm["kmeans"]).mean() > 0.9
    agreement = result.algorithm_agreement
    assert list(agreement.columns) == ["algorithm_a", "algorithm_b", "adjusted_rand_index"]
    assert len(agreement) == 6
    assert (agreement["algorithm_a"] < agreement["algorithm_b"]).all()
    assert agreement["adjusted_rand_index"].between(-1, 1).all()


def test_embedding_and_loadings(four):
    frame, _, _, result = four
    embedding = result.embedding_2d
    assert list(embedding.columns) == ["customer_id", "segment_id", "x", "y"]
    assert len(embedding) == min(len(frame), 5000)
    merged = embedding.merge(result.assignments, on="customer_id", suffixes=("", "_assigned"))
    np.testing.assert_array_equal(merged["segment_id"], merged["segment_id_assigned"])
    assert set(result.pca_loadings["feature"]) == set(result.scaler_params["output_feature"])


@pytest.mark.parametrize("primary", ["gmm", "hdbscan", "agglomerative"])
def test_other_primaries_keep_the_nearest_centroid_contract(four, primary):
    frame, group, features, _ = four
    result = segment(frame, features, primary_algorithm=primary)
    assert (result.assignments["algorithm"] == primary).all()
    _assert_nearest_centroid(frame, result)
    np.testing.assert_array_equal(result.assignments_by_algorithm[primary], result.assignments["segment_id"])
    assert result.model_selection.loc[result.model_selection["is_primary"], "algorithm"].eq(primary).all()
    probability = result.assignments["membership_probability"]
    if primary == "gmm":
        assert probability.between(0, 1).all()
    else:
        assert probability.isna().all()
    if primary == "agglomerative":
        assert result.chosen_k == 4
        assert adjusted_rand_score(group, _segments_in_frame_order(frame, result)) >= 0.9


def test_nearest_centroid_helper():
    x = np.array([[0.0, 0.0], [1.0, 1.0], [0.5, 0.5]])
    labels, distances = nearest_centroid(x, np.array([[0.0, 0.0], [1.0, 1.0]]))
    np.testing.assert_array_equal(labels, [0, 1, 0])  # the tie goes to the lower index
    np.testing.assert_allclose(distances, [0.0, 0.0, np.sqrt(0.5)])


def test_input_validation():
    frame, _, features = make_customers(4, n=60)
    with pytest.raises(ValueError, match="duplicate"):
        segment(pd.concat([frame, frame.head(1)]), features)
    with pytest.raises(ValueError, match="missing"):
        segment(frame.drop(columns=["customer_id"]), features)
    with pytest.raises(ValueError, match="primary"):
        segment(frame, features, primary_algorithm="dbscan")
    with pytest.raises(ValueError, match="k_min"):
        segment(frame, features, k_min=1)


def test_uninformative_features_are_left_out_of_the_segmentation(four):
    frame, group, features, _ = four
    frame = frame.assign(email_open_rate=np.nan, sessions_90d=0.0)
    extended = [*features, FeatureSpec("email_open_rate", "numeric"), FeatureSpec("sessions_90d", "numeric")]
    result = segment(frame, extended)
    exclusions = result.feature_exclusions
    assert exclusions.dtypes.astype(str).to_dict() == EXCLUSIONS_SCHEMA
    assert dict(zip(exclusions["feature_name"], exclusions["reason"], strict=True)) == {
        "email_open_rate": "all_null",
        "sessions_90d": "constant",
    }
    assert (exclusions["model_name"] == "customer_segments").all()
    assert not {"email_open_rate", "sessions_90d"} & set(result.scaler_params["source_feature"])
    assert adjusted_rand_score(group, _segments_in_frame_order(frame, result)) >= 0.9


def test_too_few_customers_skip_the_segmentation_with_a_warning_and_typed_empty_tables():
    frame, _, features = make_customers(4, n=60)
    with pytest.warns(UserWarning, match="fewer than segments_min_customers=61: segmentation skipped"):
        result = segment(frame, features, min_customers=61)
    assert result.is_skipped and result.chosen_k == 0
    for name, schema in SEGMENTATION_SCHEMAS.items():
        table = getattr(result, name)
        assert table.empty and table.dtypes.astype(str).to_dict() == schema, name
    assert not segment(frame, features, min_customers=60).is_skipped
