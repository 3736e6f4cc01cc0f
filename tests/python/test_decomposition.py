"""Tests of audience.decomposition: varimax against published and independent results, PCA table."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.optimize import minimize_scalar

from audience.decomposition import fit_pca_varimax, varimax

# Harman (1976), "Modern Factor Analysis", 8 physical variables: unrotated two-factor loadings, as
# used by the Gradient Projection Algorithm examples (Bernaards & Jennrich, http://www.stat.ucla.edu/research/gpa)
# and by statsmodels' tests (statsmodels/multivariate/factor_rotation/tests/test_rotation.py).
HARMAN_8 = np.array(
    [
        [0.830, -0.396],
        [0.818, -0.469],
        [0.777, -0.470],
        [0.798, -0.401],
        [0.786, 0.500],
        [0.672, 0.458],
        [0.594, 0.444],
        [0.647, 0.333],
    ]
)

# The published quartimax (orthomax with gamma = 0, raw loadings) solution of HARMAN_8 from the same
# GPA example, as asserted by statsmodels' test_rotation.py::test_orthomax (to 5 decimals).
HARMAN_8_QUARTIMAX = np.array(
    [
        [0.89876, 0.19482],
        [0.93394, 0.12974],
        [0.90213, 0.10386],
        [0.87651, 0.17128],
        [0.31558, 0.87647],
        [0.25113, 0.77349],
        [0.19801, 0.71468],
        [0.30786, 0.65933],
    ]
)


def _orthomax_criterion(loadings: np.ndarray, gamma: float) -> np.ndarray:
    """Kaiser's criterion: sum over columns of sum(l^4) - gamma/p * (sum(l^2))^2 (batched on axis 0)."""
    p = loadings.shape[-2]
    squared = loadings**2
    return (squared**2).sum(axis=(-2, -1)) - gamma / p * (squared.sum(axis=-2) ** 2).sum(axis=-1)


def _rotation(theta: float | np.ndarray) -> np.ndarray:
    c, s = np.cos(theta), np.sin(theta)
    return np.moveaxis(np.array([[c, -s], [s, c]]), (0, 1), (-2, -1))


def _brute_force_two_factor(loadings: np.ndarray, gamma: float) -> np.ndarray:
    """Independent optimum: grid search of the rotation angle, refined by bounded minimisation.

    The criterion has period pi/2 in the angle (a quarter turn only permutes and flips columns).
    """
    grid = np.linspace(-np.pi / 4, np.pi / 4, 20_001)
    values = _orthomax_criterion(loadings @ _rotation(grid), gamma)
    best = grid[int(np.argmax(values))]
    step = grid[1] - grid[0]
    result = minimize_scalar(
        lambda t: -float(_orthomax_criterion(loadings @ _rotation(t), gamma)),
        bounds=(best - step, best + step),
        method="bounded",
        options={"xatol": 1e-12},
    )
    return loadings @ _rotation(result.x)


def _same_up_to_column_sign_and_order(a: np.ndarray, b: np.ndarray, atol: float) -> bool:
    for order in itertools.permutations(range(b.shape[1])):
        for signs in itertools.product((1.0, -1.0), repeat=b.shape[1]):
            if np.allclose(a, b[:, order] * np.array(signs), atol=atol, rtol=0):
                return True
    return False


def test_quartimax_reproduces_published_harman_solution():
    rotated, rotation = varimax(HARMAN_8, gamma=0.0, normalize=False)
    np.testing.assert_allclose(rotated, HARMAN_8_QUARTIMAX, atol=2e-5, rtol=0)
    np.testing.assert_allclose(HARMAN_8 @ rotation, rotated, atol=1e-12)


def test_varimax_matches_independent_angle_search_raw():
    rotated, _ = varimax(HARMAN_8, normalize=False)
    expected = _brute_force_two_factor(HARMAN_8, gamma=1.0)
    assert _same_up_to_column_sign_and_order(rotated, expected, atol=1e-7)
    assert _orthomax_criterion(rotated, 1.0) == pytest.approx(_orthomax_criterion(expected, 1.0), abs=1e-12)


def test_varimax_kaiser_normalised_matches_independent_angle_search():
    norms = np.sqrt((HARMAN_8**2).sum(axis=1, keepdims=True))
    expected = _brute_force_two_factor(HARMAN_8 / norms, gamma=1.0) * norms
    rotated, _ = varimax(HARMAN_8)
    assert _same_up_to_column_sign_and_order(rotated, expected, atol=1e-7)


def test_rotation_is_orthogonal_and_preserves_communalities_and_total_variance():
    loadings = np.random.default_rng(1).normal(size=(12, 4))
    for normalize in (True, False):
        rotated, rotation = varimax(loadings, normalize=normalize)
        np.testing.assert_allclose(rotation @ rotation.T, np.eye(4), atol=1e-10)
        np.testing.assert_allclose((rotated**2).sum(axis=1), (loadings**2).sum(axis=1), atol=1e-10)
        assert (rotated**2).sum() == pytest.approx((loadings**2).sum(), abs=1e-10)
        np.testing.assert_allclose(loadings @ rotation, rotated, atol=1e-10)


def test_single_column_is_returned_unrotated():
    loadings = np.array([[0.5], [0.7]])
    rotated, rotation = varimax(loadings)
    np.testing.assert_array_equal(rotated, loadings)
    np.testing.assert_array_equal(rotation, np.eye(1))


def _correlated_data(n: int = 400, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    factors = rng.normal(size=(n, 2))
    mixing = np.array([[1.0, 0.0], [0.9, 0.1], [0.8, 0.2], [0.1, 1.0], [0.0, 0.9], [0.2, 0.7]])
    return factors @ mixing.T + 0.3 * rng.normal(size=(n, 6))


def test_fit_pca_varimax_keeps_fewest_components_reaching_target():
    x = _correlated_data()
    names = [f"f{i}" for i in range(6)]
    result = fit_pca_varimax(x, names, variance_to_keep=0.85, seed=42)
    centered = x - x.mean(axis=0)
    eigenvalues = np.sort(np.linalg.eigvalsh(np.cov(centered, rowvar=False)))[::-1]
    cumulative = np.cumsum(eigenvalues) / eigenvalues.sum()
    expected = max(2, int(np.argmax(cumulative >= 0.85)) + 1)
    assert result.n_components == expected
    np.testing.assert_allclose(result.explained_variance_ratio, (eigenvalues / eigenvalues.sum())[:expected])
    assert fit_pca_varimax(x, names, variance_to_keep=0.01, seed=42).n_components == 2
    assert fit_pca_varimax(x, names, variance_to_keep=1.0, seed=42).n_components == 6


def test_fit_pca_varimax_loadings_table():
    x = _correlated_data()
    names = [f"f{i}" for i in range(6)]
    result = fit_pca_varimax(x, names, seed=42)
    table = result.loadings
    m = result.n_components
    assert list(table.columns) == [
        "feature",
        "component",
        "loading_unrotated",
        "loading_rotated",
        "explained_variance_ratio",
        "rotated_variance_ratio",
    ]
    assert len(table) == 6 * m
    assert table["component"].tolist() == [c for c in range(1, m + 1) for _ in names]
    assert table["feature"].tolist() == names * m

    unrotated = (
        table.pivot(index="feature", columns="component", values="loading_unrotated").loc[names].to_numpy()
    )
    rotated = (
        table.pivot(index="feature", columns="component", values="loading_rotated").loc[names].to_numpy()
    )
    # column sums of squared PCA loadings are the component variances
    np.testing.assert_allclose((unrotated**2).sum(axis=0), result.pca.explained_variance_, rtol=1e-10)
    np.testing.assert_allclose((rotated**2).sum(axis=1), (unrotated**2).sum(axis=1), atol=1e-10)
    np.testing.assert_allclose(unrotated @ result.rotation, rotated, atol=1e-10)
    assert table.groupby("component")["rotated_variance_ratio"].first().sum() == pytest.approx(
        result.explained_variance_ratio.sum()
    )
    # each rotated component's largest absolute loading is positive
    assert all(rotated[np.abs(rotated[:, j]).argmax(), j] > 0 for j in range(m))
    # two clear factors: each rotated component loads mainly on one group of three features
    dominant = np.abs(rotated[:, :2]).argmax(axis=1)
    assert len(set(dominant[:3])) == 1 and len(set(dominant[3:])) == 1 and dominant[0] != dominant[3]

    scores = result.transform(x)
    assert scores.shape == (len(x), m)
    np.testing.assert_allclose(scores, result.pca.transform(x))


def test_fit_pca_varimax_single_feature():
    x = np.random.default_rng(0).normal(size=(50, 1))
    result = fit_pca_varimax(x, ["only"], seed=42)
    assert result.n_components == 1
    assert result.loadings["loading_rotated"].tolist() == pytest.approx(
        result.loadings["loading_unrotated"].abs()
    )
