"""Tests of the explicit weighted multi-criteria score."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from audience.weighted_score import weighted_score


def _weights(rows: list[tuple[str, float, str, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["feature", "weight", "normalisation", "direction"])


def test_hand_computed_min_max_example() -> None:
    # rows deliberately out of id order: the output is sorted by id
    frame = pd.DataFrame(
        {
            "lead_id": [3, 1, 2],
            "revenue": [30.0, 10.0, 20.0],  # min-max: id1 0, id2 .5, id3 1
            "days_since": [0.0, 10.0, None],  # direction -1: id1 0, id3 1, null -> 0
            "flat": [5.0, 5.0, 5.0],  # constant -> 0
        }
    )
    weights = _weights(
        [("revenue", 0.5, "min_max", 1), ("days_since", 0.3, "min_max", -1), ("flat", 0.2, "min_max", 1)]
    )
    out = weighted_score(frame, weights, id_column="lead_id")
    assert list(out.columns) == ["lead_id", "weighted_score", "weighted_score_0_100"]
    assert out["lead_id"].tolist() == [1, 2, 3]
    expected = np.array([0.5 * 0 + 0.3 * 0, 0.5 * 0.5 + 0.3 * 0, 0.5 * 1 + 0.3 * 1])
    np.testing.assert_allclose(out["weighted_score"], expected, atol=1e-12)
    np.testing.assert_allclose(out["weighted_score_0_100"], 100 * expected, atol=1e-10)
    assert out["weighted_score"].between(0, 1).all()


def test_hand_computed_z_score_example() -> None:
    frame = pd.DataFrame({"customer_id": ["a", "b", "c", "d"], "x": [1.0, 2.0, 3.0, None], "y": [4, 4, 4, 4]})
    weights = _weights([("x", 0.75, "z_score", -1), ("y", 0.25, "z_score", 1)])
    out = weighted_score(frame, weights, id_column="customer_id")
    std = np.sqrt(2.0 / 3.0)  # population std of 1, 2, 3
    expected = 0.75 * np.array([1.0 / std, 0.0, -1.0 / std, 0.0])  # flipped; null -> 0; y constant -> 0
    np.testing.assert_allclose(out["weighted_score"], expected, atol=1e-12)
    assert out["weighted_score_0_100"].isna().all()


@pytest.mark.parametrize("bad", [0.5, 1.0 + 1e-6])
def test_weights_must_sum_to_one(bad: float) -> None:
    frame = pd.DataFrame({"id": [1, 2], "a": [1.0, 2.0], "b": [3.0, 1.0]})
    weights = _weights([("a", bad - 0.25, "min_max", 1), ("b", 0.25, "min_max", 1)])
    with pytest.raises(ValueError, match="sum to") as err:
        weighted_score(frame, weights, id_column="id")
    assert repr(float(weights["weight"].sum())) in str(err.value)


def test_weights_within_tolerance_accepted_and_bad_tables_rejected() -> None:
    frame = pd.DataFrame({"id": [1, 2], "a": [1.0, 2.0], "b": [3.0, 1.0]})
    ok = _weights([("a", 0.1 + 0.2, "min_max", 1), ("b", 0.7, "min_max", 1)])  # 0.30000000000000004 + 0.7
    assert len(weighted_score(frame, ok, id_column="id")) == 2
    with pytest.raises(ValueError, match="normalisation"):
        weighted_score(frame, _weights([("a", 1.0, "rank", 1)]), id_column="id")
    with pytest.raises(ValueError, match="direction"):
        weighted_score(frame, _weights([("a", 1.0, "min_max", 2)]), id_column="id")
    with pytest.raises(ValueError, match="not columns"):
        weighted_score(frame, _weights([("zzz", 1.0, "min_max", 1)]), id_column="id")


def test_empty_frame_keeps_schema() -> None:
    frame = pd.DataFrame({"id": pd.Series([], dtype="int64"), "a": pd.Series([], dtype="float64")})
    out = weighted_score(frame, _weights([("a", 1.0, "min_max", 1)]), id_column="id")
    assert out.empty
    assert out.dtypes.astype(str).to_dict() == {
        "id": "int64",
        "weighted_score": "float64",
        "weighted_score_0_100": "float64",
    }
