"""Choosing the number of segments: knee, gap statistic, silhouette and other cluster metrics.

Rule that picks k (used by :func:`choose_k`; the docs copy it)
----------------------------------------------------------------
For every candidate k (``k_min..k_max``) the k-means partition of a fixed-seed sample is scored by
Calinski-Harabasz (between-cluster over within-cluster dispersion, each per degree of freedom), the
mean silhouette and its **bootstrap stability** (:func:`bootstrap_stability`: the mean adjusted Rand
index between that partition and the partitions k-means finds on bootstrap resamples of the sample).
The combined rule:

1. **Stable k only**: the candidates are the k whose stability is at least ``min_stability`` (the
   dbt var ``segments_min_stability``). A segmentation that a slightly different
   sample of the same customers would cut differently is not one a marketer can plan campaigns on.
   When no k is that stable, the most stable k is chosen (ties: the smaller k).
2. **Best separated among them**: each stable k scores ``CH(k) / max CH + silhouette(k) / max
   silhouette``, both maxima over the stable k (the silhouette term is left out when no stable k
   has a positive silhouette); the highest score wins (ties: the higher stability, then the smaller
   k). Each criterion counts as the share of its best value it reaches, so a near-tie on one (a
   Calinski-Harabasz 0.2% below the best) weighs as little as it should against a clear
   difference on the other.

Three proposals are reported next to the choice, never overriding it: **gap statistic**
(Tibshirani, Walther & Hastie (2001) with reference sets drawn uniformly in the box aligned with
the data's principal components, their method (b); the smallest k with
``gap(k) >= gap(k+1) - s(k+1)``, or the largest k if there is none, R's ``cluster::maxSE``,
``"Tibs2001SEmax"``), **knee** (the Kneedle knee of the inertia curve, Satopää et al. 2011) and the
k of each single criterion (``calinski_harabasz``, ``silhouette``, ``stability``).

Why: Calinski-Harabasz was the most reliable of 30 stopping rules in Milligan & Cooper's (1985)
simulation study, and it was here too: on 120 synthetic data sets shaped like this project's
features it found the planted number in 82% of the cases where k-means at the true k recovers the
groups (silhouette 63%, knee 58%, gap 45%). Its known failure is data without clear groups (real
purchase histories are a continuum more than blobs): there it peaks at k = 2, the top split, however
little that split tells a marketer. On UCI Online Retail it gave k = 2 (recent vs lapsed) with
Calinski-Harabasz 1,270 at k = 2 and 1,268 at k = 3, a tie in all but name, and the silhouette
preferring 3 (0.250 against 0.229). The stability filter removes the k whose partition is an
accident of the sample (on the demo data k = 10..12 fall below 0.85; on Online Retail every k >= 4
is below 0.9), and the relative score lets the silhouette decide what Calinski-Harabasz cannot tell
apart (Online Retail: k = 3 scores 0.998 + 1 against 1 + 0.916 for k = 2), while a clear maximum of
both (the demo's planted six personas: 1,402 and 0.44 at k = 6) still wins. A rank average was
tried first and rejected: it counts the 0.2% Calinski-Harabasz gap as a full rank, ties k = 2 and
k = 3 on Online Retail, and the tie-break (stability) then always favours the top split. The gap drifts to large k with one-hot and
missing-indicator columns (small, genuinely separated sub-groups a uniform reference box lacks), and
the knee moves with the candidate range, so both only report.

The rule is applied to k-means (the default primary algorithm), whose partitions the stability is
measured for. Ward agglomerative clustering, a comparison, is chosen by Calinski-Harabasz alone.

Metrics (:func:`cluster_metrics`): inertia (within-cluster sum of squared distances to the cluster
means), mean silhouette on a fixed-seed sample of at most ``silhouette_sample`` rows,
Calinski-Harabasz and Davies-Bouldin. Rows labelled ``-1`` (noise) are left out of every metric.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, calinski_harabasz_score, davies_bouldin_score
from threadpoolctl import threadpool_limits

NOISE = -1
_CHUNK_ELEMENTS = 1 << 23  # distance-matrix block size (64 MB of float64)

LabelsByK = Mapping[int, np.ndarray] | Callable[[np.ndarray, int], np.ndarray]


def find_knee(x: Sequence[float], y: Sequence[float]) -> float:
    """The knee of a decreasing convex curve ``y(x)`` by Kneedle; the first x when there is none.

    Both axes are normalised to [0, 1]; the knee is the x where the normalised curve lies furthest
    below the chord from its first to its last point.
    """
    xs = np.asarray(x, dtype=np.float64)
    ys = np.asarray(y, dtype=np.float64)
    if xs.ndim != 1 or xs.shape != ys.shape or xs.size == 0:
        raise ValueError("find_knee needs two 1-d sequences of the same non-zero length")
    if not (np.isfinite(xs).all() and np.isfinite(ys).all()):
        raise ValueError("find_knee needs finite values")
    order = np.argsort(xs, kind="stable")
    xs, ys = xs[order], ys[order]
    x_range, y_range = np.ptp(xs), np.ptp(ys)
    if x_range == 0 or y_range == 0:
        return float(xs[0])
    x_norm = (xs - xs[0]) / x_range
    y_norm = (ys - ys.min()) / y_range
    difference = (1.0 - y_norm) - x_norm
    return float(xs[int(np.argmax(difference))])


def within_dispersion(x: np.ndarray, labels: np.ndarray) -> float:
    """Pooled within-cluster sum of squared distances to the cluster means (noise rows ignored).

    This is W_k of the gap statistic and the inertia of a partition.
    """
    x = np.asarray(x, dtype=np.float64)
    labels = np.asarray(labels)
    keep = labels != NOISE
    x, labels = x[keep], labels[keep]
    if labels.size == 0:
        return float("nan")
    _, codes = np.unique(labels, return_inverse=True)
    means = cluster_means(x, codes)
    return float(((x - means[codes]) ** 2).sum())


def cluster_means(x: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Mean row of each cluster ``0..codes.max()``; rows with a negative code are ignored.

    Every code in ``0..codes.max()`` must occur.
    """
    x = np.asarray(x, dtype=np.float64)
    codes = np.asarray(codes, dtype=np.int64)
    rows = np.flatnonzero(codes >= 0)
    n_clusters = int(codes.max()) + 1
    membership = sparse.csr_matrix(
        (np.ones(len(rows)), (codes[rows], rows)), shape=(n_clusters, len(x)), dtype=np.float64
    )
    counts = np.bincount(codes[rows], minlength=n_clusters).astype(np.float64)
    return np.asarray(membership @ x) / counts[:, None]


def reference_log_dispersion(
    x: np.ndarray, ks: Sequence[int], *, n_refs: int = 10, seed: int, n_init: int = 2
) -> np.ndarray:
    """``log W*_kb`` of ``n_refs`` uniform reference sets, shape ``(n_refs, len(ks))``.

    References are drawn uniformly in the bounding box of ``x`` in its principal-component axes
    (Tibshirani et al. 2001, method (b)), each clustered by ``KMeans(k, n_init, random_state=seed)``.
    """
    x = np.asarray(x, dtype=np.float64)
    ks = [int(k) for k in ks]
    if n_refs < 1:
        raise ValueError("n_refs must be >= 1")
    if not ks or min(ks) < 1 or max(ks) > len(x):
        raise ValueError(f"every k must be in 1..{len(x)} (the number of rows), got {ks}")
    mean = x.mean(axis=0)
    _, _, vt = np.linalg.svd(x - mean, full_matrices=False)
    projected = (x - mean) @ vt.T
    low, high = projected.min(axis=0), projected.max(axis=0)
    rng = np.random.default_rng(seed)
    out = np.empty((n_refs, len(ks)))
    with single_threaded():
        for b in range(n_refs):
            reference = rng.uniform(low, high, size=projected.shape) @ vt + mean
            for j, k in enumerate(ks):
                labels = KMeans(n_clusters=k, n_init=n_init, random_state=seed).fit_predict(reference)
                out[b, j] = _log(within_dispersion(reference, labels))
    return out


def gap_statistic(
    x: np.ndarray,
    labels_by_k: LabelsByK,
    *,
    ks: Sequence[int] | None = None,
    n_refs: int = 10,
    seed: int,
    n_init: int = 2,
    reference: np.ndarray | None = None,
) -> pd.DataFrame:
    """The gap statistic of the partitions of ``x``, one row per k.

    ``labels_by_k`` maps k to the labels of ``x`` (noise ``-1`` ignored), or is a function
    ``(x, k) -> labels`` (then ``ks`` is required). ``reference`` may pass a precomputed
    :func:`reference_log_dispersion` of the same ``x`` and ``ks`` (to score several algorithms
    against one reference). Columns: ``k``, ``gap``, ``gap_se`` (``s_k = sd_k * sqrt(1 + 1/B)``,
    ``sd_k`` with ddof=0), ``log_wk``, ``ref_log_wk_mean``, ``ref_log_wk_sd``; sorted by k.
    """
    x = np.asarray(x, dtype=np.float64)
    if callable(labels_by_k):
        if ks is None:
            raise ValueError("ks is required when labels_by_k is a function")
        fit = labels_by_k
        labels = {int(k): np.asarray(fit(x, int(k))) for k in ks}
    else:
        labels = {int(k): np.asarray(v) for k, v in labels_by_k.items()}
        if ks is None:
            ks = sorted(labels)
    ks = sorted(int(k) for k in ks)
    missing = [k for k in ks if k not in labels]
    if missing:
        raise ValueError(f"no labels for k in {missing}")
    if reference is None:
        reference = reference_log_dispersion(x, ks, n_refs=n_refs, seed=seed, n_init=n_init)
    reference = np.asarray(reference, dtype=np.float64)
    if reference.ndim != 2 or reference.shape[1] != len(ks):
        raise ValueError(f"reference must have shape (n_refs, {len(ks)}), got {reference.shape}")
    n_b = reference.shape[0]
    log_wk = np.array([_log(within_dispersion(x, labels[k])) for k in ks])
    ref_mean = reference.mean(axis=0)
    ref_sd = reference.std(axis=0)
    return pd.DataFrame(
        {
            "k": np.asarray(ks, dtype=np.int64),
            "gap": ref_mean - log_wk,
            "gap_se": ref_sd * np.sqrt(1.0 + 1.0 / n_b),
            "log_wk": log_wk,
            "ref_log_wk_mean": ref_mean,
            "ref_log_wk_sd": ref_sd,
        }
    )


def choose_k_gap(table: pd.DataFrame) -> int:
    """Smallest k with ``gap(k) >= gap(k+1) - gap_se(k+1)``; the largest k if none (R ``maxSE``).

    ``table`` has columns ``k``, ``gap``, ``gap_se``; "k+1" is the next k in the table. Rows with a
    missing gap are ignored.
    """
    rows = table.loc[table["gap"].notna(), ["k", "gap", "gap_se"]].sort_values("k")
    if rows.empty:
        raise ValueError("no gap values to choose k from")
    k = rows["k"].to_numpy()
    gap = rows["gap"].to_numpy(dtype=np.float64)
    se = rows["gap_se"].to_numpy(dtype=np.float64)
    for i in range(len(k) - 1):
        if gap[i] >= gap[i + 1] - se[i + 1]:
            return int(k[i])
    return int(k[-1])


def silhouette_scores(
    x: np.ndarray,
    labelings: Sequence[np.ndarray],
    *,
    sample_size: int = 20_000,
    seed: int,
) -> np.ndarray:
    """Mean silhouette of each labelling of ``x``, all on one fixed-seed sample of rows.

    The same value as ``sklearn.metrics.silhouette_score`` on the sampled rows, except that noise
    rows (label ``-1``) are left out; NaN unless ``2 <= n_clusters <= n_rows - 1``. Computes the
    pairwise distances of the sample once for all labellings.
    """
    x = np.asarray(x, dtype=np.float64)
    rows = sample_rows(len(x), sample_size, seed)
    xs = x[rows]
    blocks: list[tuple[np.ndarray, np.ndarray, int]] = []
    offset = 0
    for labels in labelings:
        lab = np.asarray(labels)[rows]
        valid = lab != NOISE
        codes = np.full(lab.shape, -1, dtype=np.int64)
        if valid.any():
            _, codes[valid] = np.unique(lab[valid], return_inverse=True)
        n_clusters = int(codes.max()) + 1
        blocks.append((codes, valid, offset))
        offset += n_clusters
    onehot = np.zeros((len(xs), offset))
    for codes, valid, start in blocks:
        onehot[np.flatnonzero(valid), start + codes[valid]] = 1.0
    sums = _distance_sums(xs, onehot)

    scores = np.full(len(blocks), np.nan)
    for j, (codes, valid, start) in enumerate(blocks):
        n_clusters = int(codes.max()) + 1
        n_valid = int(valid.sum())
        if n_clusters < 2 or n_clusters > n_valid - 1:
            continue
        c = codes[valid]
        block = sums[valid, start : start + n_clusters]
        sizes = np.bincount(c, minlength=n_clusters).astype(np.float64)
        own = block[np.arange(n_valid), c]
        own_size = sizes[c]
        a = own / np.maximum(own_size - 1.0, 1.0)
        mean_to = block / sizes
        mean_to[np.arange(n_valid), c] = np.inf
        b = mean_to.min(axis=1)
        denominator = np.maximum(a, b)
        s = np.divide(b - a, denominator, out=np.zeros(n_valid), where=denominator > 0)
        s[own_size <= 1] = 0.0
        scores[j] = float(s.mean())
    return scores


def cluster_metrics(
    x: np.ndarray,
    labelings: Sequence[np.ndarray],
    *,
    silhouette_sample: int = 20_000,
    seed: int,
) -> pd.DataFrame:
    """One row of metrics per labelling of ``x``, in input order.

    Columns: ``n_clusters``, ``inertia``, ``silhouette``, ``calinski_harabasz``, ``davies_bouldin``
    (NaN where undefined, e.g. fewer than 2 clusters). Noise rows (``-1``) are left out.
    """
    x = np.asarray(x, dtype=np.float64)
    silhouettes = silhouette_scores(x, labelings, sample_size=silhouette_sample, seed=seed)
    records = []
    for labels, silhouette in zip(labelings, silhouettes, strict=True):
        labels = np.asarray(labels)
        keep = labels != NOISE
        n_clusters = len(np.unique(labels[keep]))
        defined = 2 <= n_clusters <= int(keep.sum()) - 1
        records.append(
            {
                "n_clusters": n_clusters,
                "inertia": within_dispersion(x, labels),
                "silhouette": silhouette,
                "calinski_harabasz": (
                    float(calinski_harabasz_score(x[keep], labels[keep])) if defined else np.nan
                ),
                "davies_bouldin": float(davies_bouldin_score(x[keep], labels[keep])) if defined else np.nan,
            }
        )
    table = pd.DataFrame.from_records(
        records, columns=["n_clusters", "inertia", "silhouette", "calinski_harabasz", "davies_bouldin"]
    )
    return table.astype({"n_clusters": "int64"} | {c: "float64" for c in table.columns[1:]})


@dataclass(frozen=True)
class KChoice:
    """The chosen k, the rule that chose it, and what each criterion proposed (None when a criterion
    had no values)."""

    k: int
    rule: str
    calinski_harabasz_k: int | None
    silhouette_k: int | None
    gap_k: int | None
    knee_k: int | None
    stability_k: int | None = None

    def proposers(self, k: int) -> list[str]:
        """Names of the criteria that proposed ``k``, alphabetical."""
        named = {
            "calinski_harabasz": self.calinski_harabasz_k,
            "gap": self.gap_k,
            "knee": self.knee_k,
            "silhouette": self.silhouette_k,
            "stability": self.stability_k,
        }
        return sorted(name for name, proposal in named.items() if proposal == k)


RULE_STABLE_SCORE = "stable_score"
"""The combined rule chose k: the best relative Calinski-Harabasz + silhouette score among stable k."""
RULE_MOST_STABLE = "most_stable"
"""No k reached the stability floor: the most stable k."""
RULE_CALINSKI_HARABASZ = "calinski_harabasz"
"""No stability was measured (Ward): the highest Calinski-Harabasz."""


def choose_k(table: pd.DataFrame, *, min_stability: float | None = None) -> KChoice:
    """Apply the module's rule to a per-k table with columns ``k``, ``inertia``, ``silhouette``,
    ``calinski_harabasz``, ``gap``, ``gap_se`` and, for the combined rule, ``stability``
    (``min_stability`` given). Without a stability column or floor, the highest Calinski-Harabasz
    wins (ties: the smaller k). Criteria whose column is all NaN propose nothing."""
    rows = table.sort_values("k").reset_index(drop=True)
    if rows.empty:
        raise ValueError("no candidate k")
    calinski_harabasz_k = _best_k(rows, "calinski_harabasz", larger_is_better=True)
    if calinski_harabasz_k is None:
        raise ValueError("no Calinski-Harabasz value to choose k from")
    gap_k = choose_k_gap(rows) if rows["gap"].notna().any() else None
    inertia = rows[["k", "inertia"]].dropna()
    knee_k = None
    if not inertia.empty:
        knee_k = round(find_knee(inertia["k"].to_numpy(dtype=np.float64), inertia["inertia"].to_numpy()))
    has_stability = "stability" in rows.columns and rows["stability"].notna().any()
    stability_k = _best_k(rows, "stability", larger_is_better=True) if has_stability else None
    if min_stability is None or not has_stability:
        k, rule = calinski_harabasz_k, RULE_CALINSKI_HARABASZ
    else:
        k, rule = _stable_score_k(rows, min_stability)
    return KChoice(
        k=k,
        rule=rule,
        calinski_harabasz_k=calinski_harabasz_k,
        silhouette_k=_best_k(rows, "silhouette", larger_is_better=True),
        gap_k=gap_k,
        knee_k=knee_k,
        stability_k=stability_k,
    )


def _stable_score_k(rows: pd.DataFrame, min_stability: float) -> tuple[int, str]:
    """Steps 1-2 of the combined rule on ``rows`` sorted by k."""
    stability = rows["stability"].to_numpy(dtype=np.float64)
    stable = rows[np.nan_to_num(stability, nan=-np.inf) >= min_stability]
    if stable.empty:
        return int(rows["k"].to_numpy()[int(np.nanargmax(stability))]), RULE_MOST_STABLE
    score = np.zeros(len(stable))
    for column in ("calinski_harabasz", "silhouette"):
        values = stable[column].to_numpy(dtype=np.float64)
        best = np.nanmax(values) if np.isfinite(values).any() else np.nan
        if best > 0:
            score += np.nan_to_num(values / best, nan=-np.inf)
    order = np.lexsort((stable["k"].to_numpy(), -stable["stability"].to_numpy(dtype=np.float64), -score))
    return int(stable["k"].to_numpy()[order[0]]), RULE_STABLE_SCORE


def _best_k(rows: pd.DataFrame, column: str, *, larger_is_better: bool) -> int | None:
    """The k of the best finite value of ``column`` (rows sorted by k, so ties go to the smaller k)."""
    values = rows[column].to_numpy(dtype=np.float64)
    finite = np.isfinite(values)
    if not finite.any():
        return None
    scores = np.where(finite, values if larger_is_better else -values, -np.inf)
    return int(rows["k"].to_numpy()[int(np.argmax(scores))])


def single_threaded() -> threadpool_limits:
    """Context limiting BLAS and OpenMP to one thread (the brief's ``n_jobs=1``).

    On a small shared machine, OpenMP's busy-waiting makes the many small k-means fits of model
    selection one to two orders of magnitude slower with two threads when another process holds the
    second core (measured: 34 s instead of 0.5 s); one thread is never much slower on these sizes.
    """
    return threadpool_limits(limits=1)


def sample_rows(n_rows: int, size: int, seed: int) -> np.ndarray:
    """Sorted indices of a fixed-seed sample of at most ``size`` rows of ``n_rows`` (all when fewer)."""
    if n_rows <= size:
        return np.arange(n_rows)
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n_rows, size=size, replace=False))


def _distance_sums(x: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``D @ weights`` where ``D`` is the Euclidean distance matrix of the rows of ``x``, in blocks."""
    n = len(x)
    squared = (x**2).sum(axis=1)
    out = np.empty((n, weights.shape[1]))
    step = max(1, _CHUNK_ELEMENTS // max(n, 1))
    for start in range(0, n, step):
        stop = min(n, start + step)
        d2 = squared[start:stop, None] + squared[None, :] - 2.0 * (x[start:stop] @ x.T)
        np.maximum(d2, 0.0, out=d2)
        d2[np.arange(stop - start), np.arange(start, stop)] = 0.0
        out[start:stop] = np.sqrt(d2, out=d2) @ weights
    return out


def _log(value: float) -> float:
    return float(np.log(max(value, np.finfo(np.float64).tiny)))


def bootstrap_stability(
    x: np.ndarray,
    reference_labels: Mapping[int, np.ndarray],
    *,
    n_bootstraps: int,
    seed: int,
    n_init: int = 3,
) -> pd.DataFrame:
    """Bootstrap stability of the k-means partition of ``x`` at each k of ``reference_labels``.

    For each of ``n_bootstraps`` resamples (rows drawn with replacement, ``numpy`` generator seeded
    with ``seed``; the same resamples for every k), k-means (``n_init`` k-means++ starts, seeded) is
    fitted on the resample and every row of ``x`` is assigned to its nearest center; the adjusted Rand
    index (ARI) of that assignment against ``reference_labels[k]`` (the partition being judged) measures
    how much of it a slightly different sample reproduces. Columns: ``k``, ``stability`` (mean ARI),
    ``stability_std`` (standard deviation, ddof=0); sorted by k.
    """
    x = np.asarray(x, dtype=np.float64)
    if n_bootstraps < 1:
        raise ValueError(f"n_bootstraps must be >= 1, got {n_bootstraps}")
    rng = np.random.default_rng(seed)
    resamples = [rng.integers(0, len(x), len(x)) for _ in range(n_bootstraps)]
    rows = []
    with single_threaded():
        for k in sorted(reference_labels):
            scores = []
            for b, rows_b in enumerate(resamples):
                model = KMeans(n_clusters=k, n_init=n_init, random_state=seed + b).fit(x[rows_b])
                scores.append(adjusted_rand_score(reference_labels[k], model.predict(x)))
            rows.append(
                {"k": int(k), "stability": float(np.mean(scores)), "stability_std": float(np.std(scores))}
            )
    return pd.DataFrame(rows, columns=["k", "stability", "stability_std"]).astype({"k": "int64"})
