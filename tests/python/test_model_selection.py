"""Tests of audience.model_selection: knee, gap statistic, metrics and the k rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score

from audience.model_selection import (
    RULE_CALINSKI_HARABASZ,
    RULE_MOST_STABLE,
    RULE_STABLE_SCORE,
    bootstrap_stability,
    choose_k,
    choose_k_gap,
    cluster_means,
    cluster_metrics,
    find_knee,
    gap_statistic,
    reference_log_dispersion,
    sample_rows,
    silhouette_scores,
    single_threaded,
    within_dispersion,
)


@pytest.fixture(scope="module")
def blobs() -> tuple[np.ndarray, np.ndarray]:
    x, y = make_blobs(n_samples=400, n_features=3, centers=4, cluster_std=0.8, random_state=11)
    return x, y


@pytest.fixture(scope="module")
def kmeans_labels(blobs) -> dict[int, np.ndarray]:
    x, _ = blobs
    with single_threaded():
        return {k: KMeans(n_clusters=k, n_init=3, random_state=0).fit_predict(x) for k in range(2, 9)}


def test_find_knee_obvious_knee():
    x = list(range(1, 11))
    y = [100, 50, 10, 9, 8, 7, 6, 5, 4, 3]
    assert find_knee(x, y) == 3.0
    shuffled = [4, 1, 10, 3, 2, 5, 6, 7, 8, 9]
    assert find_knee(shuffled, [y[i - 1] for i in shuffled]) == 3.0


def test_find_knee_edge_cases():
    assert find_knee([2, 3], [10.0, 5.0]) == 2.0
    assert find_knee([2, 3, 4, 5], [7.0, 7.0, 7.0, 7.0]) == 2.0
    assert find_knee([5], [1.0]) == 5.0
    with pytest.raises(ValueError):
        find_knee([1, 2], [1.0])


def test_within_dispersion_and_means(blobs):
    x, y = blobs
    expected = sum(((x[y == c] - x[y == c].mean(axis=0)) ** 2).sum() for c in np.unique(y))
    assert within_dispersion(x, y) == pytest.approx(expected)
    noisy = y.copy()
    noisy[:10] = -1
    kept = noisy >= 0
    assert within_dispersion(x, noisy) == pytest.approx(within_dispersion(x[kept], y[kept]))
    means = cluster_means(x, noisy)
    np.testing.assert_allclose(means, [x[noisy == c].mean(axis=0) for c in range(4)])


def test_gap_statistic_chooses_planted_four(blobs, kmeans_labels):
    x, _ = blobs
    table = gap_statistic(x, kmeans_labels, n_refs=10, seed=42)
    assert list(table.columns) == ["k", "gap", "gap_se", "log_wk", "ref_log_wk_mean", "ref_log_wk_sd"]
    assert table["k"].tolist() == list(range(2, 9))
    assert choose_k_gap(table) == 4


def test_gap_statistic_accepts_a_fit_function(blobs, kmeans_labels):
    x, _ = blobs

    def fit(data: np.ndarray, k: int) -> np.ndarray:
        with single_threaded():
            return KMeans(n_clusters=k, n_init=3, random_state=0).fit_predict(data)

    from_function = gap_statistic(x, fit, ks=range(2, 9), seed=42)
    pd.testing.assert_frame_equal(from_function, gap_statistic(x, kmeans_labels, seed=42))


def test_gap_formula_from_given_reference(blobs, kmeans_labels):
    x, _ = blobs
    ks = [2, 3, 4]
    reference = np.array([[5.0, 4.0, 3.5], [5.2, 4.4, 3.3], [4.9, 4.1, 3.6]])
    table = gap_statistic(x, {k: kmeans_labels[k] for k in ks}, reference=reference, seed=42)
    log_wk = np.array([np.log(within_dispersion(x, kmeans_labels[k])) for k in ks])
    np.testing.assert_allclose(table["gap"], reference.mean(axis=0) - log_wk)
    np.testing.assert_allclose(table["gap_se"], reference.std(axis=0, ddof=0) * np.sqrt(1 + 1 / 3))


def test_reference_sets_are_reproducible_and_seeded(blobs):
    x, _ = blobs
    a = reference_log_dispersion(x, [2, 3], n_refs=3, seed=1)
    np.testing.assert_array_equal(a, reference_log_dispersion(x, [2, 3], n_refs=3, seed=1))
    assert not np.array_equal(a, reference_log_dispersion(x, [2, 3], n_refs=3, seed=2))
    assert a.shape == (3, 2)


def test_choose_k_gap_rule_and_fallback():
    table = pd.DataFrame({"k": [2, 3, 4, 5], "gap": [0.5, 0.9, 1.2, 1.25], "gap_se": [0.1, 0.1, 0.1, 0.1]})
    assert choose_k_gap(table) == 4  # gap(4)=1.2 >= gap(5) - se(5) = 1.15
    rising = table.assign(gap=[0.1, 0.5, 0.9, 1.3])
    assert choose_k_gap(rising) == 5  # none satisfies the rule: the largest k (R maxSE Tibs2001SEmax)


def test_silhouette_scores_match_sklearn(blobs, kmeans_labels):
    x, y = blobs
    labelings = [y, *kmeans_labels.values()]
    ours = silhouette_scores(x, labelings, seed=42)
    np.testing.assert_allclose(ours, [silhouette_score(x, labels) for labels in labelings], atol=1e-12)

    noisy = y.copy()
    noisy[::7] = -1
    kept = noisy >= 0
    assert silhouette_scores(x, [noisy], seed=42)[0] == pytest.approx(
        silhouette_score(x[kept], y[kept]), abs=1e-12
    )

    rows = sample_rows(len(x), 150, seed=5)
    assert len(rows) == 150 and np.all(np.diff(rows) > 0)
    sampled = silhouette_scores(x, [y], sample_size=150, seed=5)[0]
    assert sampled == pytest.approx(silhouette_score(x[rows], y[rows]), abs=1e-12)
    assert np.isnan(silhouette_scores(x, [np.zeros(len(x), dtype=int)], seed=42)[0])


def test_cluster_metrics_match_sklearn(blobs, kmeans_labels):
    x, _ = blobs
    labels = kmeans_labels[4]
    table = cluster_metrics(x, [labels, np.zeros(len(x), dtype=int)], seed=42)
    assert list(table.columns) == [
        "n_clusters",
        "inertia",
        "silhouette",
        "calinski_harabasz",
        "davies_bouldin",
    ]
    first = table.iloc[0]
    assert first["n_clusters"] == 4
    assert first["inertia"] == pytest.approx(within_dispersion(x, labels))
    assert first["silhouette"] == pytest.approx(silhouette_score(x, labels))
    assert first["calinski_harabasz"] == pytest.approx(calinski_harabasz_score(x, labels))
    assert first["davies_bouldin"] == pytest.approx(davies_bouldin_score(x, labels))
    assert table.iloc[1][["silhouette", "calinski_harabasz", "davies_bouldin"]].isna().all()


def test_choose_k_picks_highest_calinski_harabasz_and_reports_the_others(blobs, kmeans_labels):
    x, _ = blobs
    ks = list(kmeans_labels)
    table = cluster_metrics(x, list(kmeans_labels.values()), seed=42)
    table.insert(0, "k", ks)
    table = table.merge(gap_statistic(x, kmeans_labels, seed=42)[["k", "gap", "gap_se"]], on="k")
    choice = choose_k(table)
    assert choice.k == 4
    assert choice.k == ks[int(table["calinski_harabasz"].to_numpy().argmax())]
    assert (choice.silhouette_k, choice.gap_k, choice.knee_k) == (4, 4, 4)
    assert choice.proposers(4) == ["calinski_harabasz", "gap", "knee", "silhouette"]


def test_choose_k_does_not_let_other_criteria_override_calinski_harabasz():
    table = pd.DataFrame(
        {
            "k": [2, 3, 4, 5],
            "inertia": [100.0, 20.0, 15.0, 12.0],
            "silhouette": [0.2, 0.7, 0.5, 0.4],
            "calinski_harabasz": [10.0, 30.0, 50.0, 40.0],
            "gap": [np.nan] * 4,
            "gap_se": [np.nan] * 4,
        }
    )
    choice = choose_k(table)
    assert (choice.k, choice.silhouette_k, choice.knee_k, choice.gap_k) == (4, 3, 3, None)
    assert choice.proposers(3) == ["knee", "silhouette"]


def _table(**columns: list[float]) -> pd.DataFrame:
    base = {
        "k": [2, 3, 4, 5],
        "inertia": [100.0, 60.0, 40.0, 35.0],
        "silhouette": [0.30, 0.35, 0.30, 0.20],
        "calinski_harabasz": [50.0, 49.0, 45.0, 30.0],
        "gap": [np.nan] * 4,
        "gap_se": [np.nan] * 4,
        "stability": [0.99, 0.95, 0.70, 0.95],
    }
    return pd.DataFrame({**base, **columns})


def test_combined_rule_scores_stable_k_by_their_share_of_the_best_separation():
    # stable: 2, 3, 5. Scores CH/50 + silhouette/0.35: 2 -> 1 + 0.857, 3 -> 0.98 + 1, 5 -> 0.6 + 0.571
    choice = choose_k(_table(), min_stability=0.9)
    assert (choice.k, choice.rule) == (3, RULE_STABLE_SCORE)
    # a clear maximum of both wins
    choice = choose_k(_table(silhouette=[0.40, 0.35, 0.30, 0.20]), min_stability=0.9)
    assert (choice.k, choice.rule) == (2, RULE_STABLE_SCORE)
    # an exact tie of scores: the more stable k, then the smaller k
    tied = _table(calinski_harabasz=[50.0, 40.0, 45.0, 50.0], silhouette=[0.28, 0.35, 0.30, 0.28])
    assert choose_k(tied, min_stability=0.9).k == 2  # 2, 3 and 5 tie (1.8), 2 is the most stable
    assert choose_k(tied.assign(stability=[0.95, 0.95, 0.7, 0.95]), min_stability=0.9).k == 2  # smaller k
    # an unstable k never wins, however good its other scores
    choice = choose_k(
        _table(calinski_harabasz=[10.0, 20.0, 99.0, 5.0], silhouette=[0.1, 0.2, 0.9, 0.0]), min_stability=0.9
    )
    assert choice.k == 3
    assert choice.proposers(4) == ["calinski_harabasz", "silhouette"]
    assert choice.stability_k == 2


def test_combined_rule_falls_back_to_the_most_stable_k_and_calinski_harabasz_without_stability():
    choice = choose_k(_table(stability=[0.5, 0.6, 0.8, 0.7]), min_stability=0.9)
    assert (choice.k, choice.rule) == (4, RULE_MOST_STABLE)
    assert choose_k(_table().drop(columns="stability")).rule == RULE_CALINSKI_HARABASZ
    assert choose_k(_table()).k == 2  # no floor given: Calinski-Harabasz alone


def test_bootstrap_stability_is_high_for_the_planted_k_and_seeded(blobs, kmeans_labels):
    x, _ = blobs
    stability = bootstrap_stability(x, kmeans_labels, n_bootstraps=5, seed=3)
    assert stability["k"].tolist() == sorted(kmeans_labels)
    by_k = stability.set_index("k")["stability"]
    assert by_k[4] > 0.98  # four well-separated blobs
    assert by_k[4] == by_k.max()
    assert by_k[7] < by_k[4]  # splitting a blob is an accident of the sample
    again = bootstrap_stability(x, kmeans_labels, n_bootstraps=5, seed=3)
    pd.testing.assert_frame_equal(stability, again)
    with pytest.raises(ValueError, match="n_bootstraps"):
        bootstrap_stability(x, kmeans_labels, n_bootstraps=0, seed=3)
