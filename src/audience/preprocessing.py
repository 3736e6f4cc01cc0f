"""Turn model features into a float matrix, with every fitted parameter in one table.

The fitted parameters form the ``segment_scaler_params`` table (:attr:`Preprocessor.params`), one row
per OUTPUT column. A SQL model reproduces :meth:`Preprocessor.transform` from that table alone,
with these rules:

Numeric feature ``x`` (role ``numeric``)
    ``v = cast(x as double)``; a null becomes ``impute_value``, which is the median of the non-null
    training values (0.0 when all of them are null).

    * transform ``log1p``: ``t = ln(1 + greatest(v, 0))``. It is chosen when every non-null
      training value is ``>= 0`` and the sample skewness (``scipy.stats.skew``, ``bias=True``) of the
      imputed training values is ``> skew_threshold`` (a constant column has skewness 0).
    * transform ``identity``: ``t = v``.
    * If any training value was null, an extra output column ``<name>__missing`` follows, with
      transform ``missing_indicator``: ``t = 1.0`` if ``x`` is null else ``0.0``.

Categorical feature ``c`` (role ``categorical``)
    ``s = cast(c as varchar)`` (Python ``str()`` at fit time), null becomes ``'__missing__'``.
    **Rare-level rule** (:class:`CategoryRule`, settings ``category_min_count`` and
    ``category_min_share``, the dbt vars ``categorical_min_count`` / ``categorical_min_share``): a
    training category is kept when it has at least ``min_count`` training rows AND at least
    ``min_share`` of them (``count >= max(min_count, min_share * rows)``); ``'__missing__'`` is a
    category like any other. Kept categories are ordered by count, descending (ties by category
    name, ascending), one output column ``<name>=<category>`` each, with transform ``one_hot`` and the
    category in ``category``. If other training categories exist, one more column
    ``<name>=__other__`` (category ``'__other__'``) takes all of them. ``t = 1.0`` if ``s`` equals
    the row's category, else ``0.0``; in the ``__other__`` column ``t = 1.0`` when ``s`` is none of the
    feature's kept categories. So an unseen category lands in ``__other__`` if that column exists,
    and in no column otherwise. With ``min_share`` 0.01 a feature has at most 100 kept columns, so a
    free-text field (job titles) costs at most that many, whatever the number of distinct values.

Every output column
    ``z = (t - center) / scale``. For ``identity``/``log1p`` columns, with ``scaling="robust"``:
    ``center`` = median of the training ``t``, ``scale`` = its interquartile range (75th minus 25th
    percentile, linear interpolation), falling back to the standard deviation (ddof=0) when the IQR
    is 0, and to 1.0 when that is 0 too. With ``scaling="standard"``: mean and standard deviation
    (ddof=0, 0 becomes 1.0). ``missing_indicator`` and ``one_hot`` columns have center 0, scale 1.

Params table columns, in output order: ``output_feature`` (str), ``source_feature`` (str),
``transform`` (identity | log1p | missing_indicator | one_hot), ``category`` (str, null unless
one_hot), ``impute_value`` (float, null unless identity/log1p), ``center`` (float), ``scale``
(float), ``position`` (int, 0-based output order). Output columns follow the order of the feature
list; a numeric feature's ``__missing`` column comes right after its value column.

Imputation (setting ``imputation``)
    ``median`` (the default var): as above; the params table is all a scorer needs.
    ``iterative``: numeric values are imputed jointly by scikit-learn's ``IterativeImputer``
    (chained equations: each feature with missing training values is regressed on all the others
    by ``BayesianRidge``, round-robin, 10 rounds, ``sample_posterior=False``, seeded), fitted on the
    training rows after the value transform (on the ``t`` scale: ``log1p`` columns are imputed on
    the log scale, and never below 0). ``center``/``scale`` are fitted on the imputed training ``t``.
    The missing indicators are unchanged. The params table still carries the median as
    ``impute_value``: a SQL scorer reproduces every row without a missing value exactly and falls
    back to the median for the others (the imputer itself is not a table). Segments always use the
    median (their SQL assignment must agree with Python on every row).

Non-finite numeric values (``inf``) are rejected: the mart is expected to produce null instead.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.experimental import enable_iterative_imputer  # noqa: F401  (enables IterativeImputer)
from sklearn.impute import IterativeImputer
from sklearn.linear_model import BayesianRidge

from audience.features import FeatureSpec

MISSING_CATEGORY = "__missing__"
OTHER_CATEGORY = "__other__"
MISSING_SUFFIX = "__missing"
VALUE_TRANSFORMS = ("identity", "log1p")
TRANSFORMS = ("identity", "log1p", "missing_indicator", "one_hot")
SCALINGS = ("robust", "standard")
IMPUTATIONS = ("median", "iterative")
ITERATIVE_ROUNDS = 10
PARAM_COLUMNS = [
    "output_feature",
    "source_feature",
    "transform",
    "category",
    "impute_value",
    "center",
    "scale",
    "position",
]


@dataclass(frozen=True)
class CategoryRule:
    """The rare-level rule: a category is kept when it has at least ``min_count`` training rows and at
    least ``min_share`` of them; the rest share the ``__other__`` column."""

    min_count: int
    min_share: float

    def __post_init__(self) -> None:
        if self.min_count < 1:
            raise ValueError(f"category min_count must be >= 1, got {self.min_count}")
        if not 0 <= self.min_share < 1:
            raise ValueError(f"category min_share must be in [0, 1), got {self.min_share}")

    def kept(self, counts: pd.Series, rows: int) -> list[str]:
        """The kept categories of value counts ``counts`` over ``rows`` rows, most frequent first
        (ties by name)."""
        floor = max(float(self.min_count), self.min_share * rows)
        ranked = sorted(
            zip(counts.index.tolist(), counts.tolist(), strict=True), key=lambda kv: (-kv[1], kv[0])
        )
        return [category for category, count in ranked if count >= floor]


@dataclass(frozen=True)
class PreprocessingSettings:
    """How model inputs are prepared (dbt vars; see the module docstring for every rule)."""

    scaling: str
    skew_threshold: float
    category_min_count: int
    category_min_share: float
    imputation: str

    def __post_init__(self) -> None:
        if self.scaling not in SCALINGS:
            raise ValueError(f"scaling must be one of {SCALINGS}, got {self.scaling!r}")
        if self.imputation not in IMPUTATIONS:
            raise ValueError(f"imputation must be one of {IMPUTATIONS}, got {self.imputation!r}")

    @property
    def category_rule(self) -> CategoryRule:
        return CategoryRule(self.category_min_count, self.category_min_share)


@dataclass
class Preprocessor:
    """A fitted preprocessor; everything it needs is in ``params`` (the ``segment_scaler_params`` table),
    plus, with iterative imputation, the fitted ``imputer`` over the numeric ``imputed_features``."""

    params: pd.DataFrame
    output_columns: list[str]
    imputer: IterativeImputer | None = None
    imputed_features: tuple[str, ...] = ()

    @classmethod
    def from_params(cls, params: pd.DataFrame) -> Preprocessor:
        """A preprocessor rebuilt from a params table (e.g. read back from the warehouse)."""
        absent = [c for c in PARAM_COLUMNS if c not in params.columns]
        if absent:
            raise ValueError(f"scaler params table lacks column(s) {absent}")
        table = params[PARAM_COLUMNS].sort_values("position", kind="stable").reset_index(drop=True)
        if table["position"].tolist() != list(range(len(table))):
            raise ValueError("scaler params: positions must be 0..n-1 without gaps")
        unknown = sorted(set(table["transform"]) - set(TRANSFORMS))
        if unknown:
            raise ValueError(f"scaler params: unknown transform(s) {unknown}")
        return cls(params=_typed_params(table), output_columns=table["output_feature"].tolist())

    @property
    def source_features(self) -> list[str]:
        """The input columns ``transform`` reads, in first-use order."""
        return list(dict.fromkeys(self.params["source_feature"].tolist()))

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        """The scaled float64 matrix, shape ``(len(frame), len(output_columns))``."""
        absent = [name for name in self.source_features if name not in frame.columns]
        if absent:
            raise ValueError(f"feature column(s) {absent} missing from the frame")
        params = self.params.sort_values("position", kind="stable")
        imputed = self._imputed_values(frame, params)
        kept_by_source = (
            params[(params["transform"] == "one_hot") & (params["category"] != OTHER_CATEGORY)]
            .groupby("source_feature", sort=False)["category"]
            .agg(list)
            .to_dict()
        )
        numeric_cache: dict[str, np.ndarray] = {}
        category_cache: dict[str, pd.Series] = {}
        out = np.empty((len(frame), len(params)), dtype=np.float64)
        for row in params.itertuples(index=False):
            source = row.source_feature
            if row.transform == "one_hot":
                if source not in category_cache:
                    category_cache[source] = _as_categories(frame[source])
                values = category_cache[source]
                if row.category == OTHER_CATEGORY:
                    hit = ~values.isin(kept_by_source.get(source, []))
                else:
                    hit = values == row.category
                raw = hit.to_numpy(dtype=np.float64)
            else:
                if source not in numeric_cache:
                    numeric_cache[source] = _as_float(frame[source], source)
                values = numeric_cache[source]
                if row.transform == "missing_indicator":
                    raw = np.isnan(values).astype(np.float64)
                elif source in imputed:
                    raw = imputed[source]
                else:
                    raw = _value_transform(_impute(values, row.impute_value), row.transform)
            out[:, row.position] = _scale(raw, row.center, row.scale)
        return out

    def _imputed_values(self, frame: pd.DataFrame, params: pd.DataFrame) -> dict[str, np.ndarray]:
        """Iteratively imputed ``t`` of every numeric feature (empty with median imputation)."""
        if self.imputer is None or len(frame) == 0:
            return {}
        transforms = params[params["transform"].isin(VALUE_TRANSFORMS)].set_index("source_feature")[
            "transform"
        ]
        matrix = np.column_stack(
            [
                _value_transform_keep_nan(_as_float(frame[name], name), transforms[name])
                for name in self.imputed_features
            ]
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence notes of the round-robin regressions
            filled = self.imputer.transform(matrix)
        return {name: filled[:, j] for j, name in enumerate(self.imputed_features)}

    def inverse_transform(self, z: np.ndarray) -> np.ndarray:
        """Scaled values back in original units, column by column.

        ``t = z * scale + center``, then ``expm1`` for log1p columns; for one_hot and missing-indicator
        columns the result is the value on the 0/1 scale (a share when ``z`` is a mean).
        """
        z = np.asarray(z, dtype=np.float64)
        params = self.params.sort_values("position", kind="stable")
        if z.shape[-1] != len(params):
            raise ValueError(f"expected {len(params)} columns, got {z.shape[-1]}")
        t = z * params["scale"].to_numpy(dtype=np.float64) + params["center"].to_numpy(dtype=np.float64)
        is_log = (params["transform"] == "log1p").to_numpy()
        return np.where(is_log, np.expm1(t), t)


def fit_preprocessor(
    frame: pd.DataFrame,
    features: list[FeatureSpec],
    settings: PreprocessingSettings,
    *,
    seed: int,
) -> Preprocessor:
    """Fit the preprocessing of ``features`` on ``frame`` by the rules in the module docstring
    (``seed`` seeds the iterative imputer)."""
    if not features:
        raise ValueError("no features to preprocess")
    names = [spec.name for spec in features]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise ValueError(f"feature(s) listed twice: {duplicated}")
    absent = [n for n in names if n not in frame.columns]
    if absent:
        raise ValueError(f"feature column(s) {absent} missing from the frame")
    if len(frame) == 0:
        raise ValueError("cannot fit a preprocessor on an empty frame")

    bad_roles = [spec.name for spec in features if spec.role not in ("numeric", "categorical")]
    if bad_roles:
        raise ValueError(f"feature(s) {bad_roles}: unknown role (numeric or categorical)")

    numeric = [spec.name for spec in features if spec.role == "numeric"]
    imputer, imputed = None, {}
    if settings.imputation == "iterative" and any(frame[name].isna().any() for name in numeric):
        imputer, imputed = _fit_iterative(frame, numeric, settings.skew_threshold, seed)
    rows: list[dict[str, object]] = []
    for spec in features:
        if spec.role == "numeric":
            rows.extend(
                _fit_numeric(
                    frame[spec.name],
                    spec.name,
                    settings.scaling,
                    settings.skew_threshold,
                    imputed.get(spec.name),
                )
            )
        else:
            rows.extend(_fit_categorical(frame[spec.name], spec.name, settings.category_rule))
    for position, row in enumerate(rows):
        row["position"] = position
    params = _typed_params(pd.DataFrame(rows, columns=PARAM_COLUMNS))
    return Preprocessor(
        params=params,
        output_columns=params["output_feature"].tolist(),
        imputer=imputer,
        imputed_features=tuple(numeric) if imputer is not None else (),
    )


def _fit_iterative(
    frame: pd.DataFrame, numeric: list[str], skew_threshold: float, seed: int
) -> tuple[IterativeImputer, dict[str, np.ndarray]]:
    """The iterative imputer over the numeric features' ``t`` (transforms chosen as with the median)
    and the imputed training ``t`` of each feature."""
    matrix = np.column_stack(
        [
            _value_transform_keep_nan(values, _choose_transform(values, skew_threshold))
            for values in (_as_float(frame[name], name) for name in numeric)
        ]
    )
    low = np.where(np.nanmin(np.where(np.isnan(matrix), np.inf, matrix), axis=0) >= 0, 0.0, -np.inf)
    imputer = IterativeImputer(
        estimator=BayesianRidge(),
        max_iter=ITERATIVE_ROUNDS,
        sample_posterior=False,
        initial_strategy="median",
        min_value=low,
        keep_empty_features=True,
        random_state=seed,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "early stopping criterion not reached" is expected at 10 rounds
        filled = imputer.fit_transform(matrix)
    return imputer, {name: filled[:, j] for j, name in enumerate(numeric)}


def _choose_transform(values: np.ndarray, skew_threshold: float) -> str:
    """log1p when every observed value is >= 0 and the median-imputed values are skewed, else identity."""
    observed = values[~np.isnan(values)]
    impute = float(np.median(observed)) if observed.size else 0.0
    if observed.size and observed.min() >= 0 and _skewness(_impute(values, impute)) > skew_threshold:
        return "log1p"
    return "identity"


def _fit_numeric(
    series: pd.Series, name: str, scaling: str, skew_threshold: float, imputed_t: np.ndarray | None
) -> list[dict[str, object]]:
    values = _as_float(series, name)
    missing = np.isnan(values)
    observed = values[~missing]
    impute = float(np.median(observed)) if observed.size else 0.0
    transform = _choose_transform(values, skew_threshold)
    t = _value_transform(_impute(values, impute), transform) if imputed_t is None else imputed_t
    center, scale = _center_scale(t, scaling)
    rows = [_param_row(name, name, transform, None, impute, center, scale)]
    if missing.any():
        rows.append(_param_row(name + MISSING_SUFFIX, name, "missing_indicator", None, None, 0.0, 1.0))
    return rows


def _fit_categorical(series: pd.Series, name: str, rule: CategoryRule) -> list[dict[str, object]]:
    counts = _as_categories(series).value_counts(sort=False)
    kept = rule.kept(counts, len(series))
    if len(counts) > len(kept):
        kept.append(OTHER_CATEGORY)
    return [_param_row(f"{name}={c}", name, "one_hot", c, None, 0.0, 1.0) for c in kept]


def _param_row(
    output: str,
    source: str,
    transform: str,
    category: str | None,
    impute: float | None,
    center: float,
    scale: float,
) -> dict[str, object]:
    return {
        "output_feature": output,
        "source_feature": source,
        "transform": transform,
        "category": category,
        "impute_value": np.nan if impute is None else impute,
        "center": center,
        "scale": scale,
    }


def _typed_params(table: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "output_feature": table["output_feature"].astype("str"),
            "source_feature": table["source_feature"].astype("str"),
            "transform": table["transform"].astype("str"),
            "category": table["category"].astype("str").where(table["category"].notna()),
            "impute_value": table["impute_value"].astype("float64"),
            "center": table["center"].astype("float64"),
            "scale": table["scale"].astype("float64"),
            "position": table["position"].astype("int64"),
        }
    ).reset_index(drop=True)


def _as_float(series: pd.Series, name: str) -> np.ndarray:
    try:
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"numeric feature '{name}' has non-numeric values") from exc
    if np.isinf(values).any():
        raise ValueError(f"numeric feature '{name}' has infinite values; the mart should give null")
    return values


def _as_categories(series: pd.Series) -> pd.Series:
    return series.astype("str").fillna(MISSING_CATEGORY).reset_index(drop=True)


def _impute(values: np.ndarray, impute_value: float) -> np.ndarray:
    return np.where(np.isnan(values), impute_value, values)


def _value_transform(values: np.ndarray, transform: str) -> np.ndarray:
    if transform == "log1p":
        return np.log1p(np.maximum(values, 0.0))
    if transform == "identity":
        return values
    raise ValueError(f"not a value transform: {transform!r}")


def _value_transform_keep_nan(values: np.ndarray, transform: str) -> np.ndarray:
    """The value transform with missing values left missing (what the iterative imputer fills)."""
    out = _value_transform(np.where(np.isnan(values), 0.0, values), transform)
    return np.where(np.isnan(values), np.nan, out)


def _scale(values: np.ndarray, center: float, scale: float) -> np.ndarray:
    return (values - center) / scale


def _skewness(values: np.ndarray) -> float:
    if values.size < 3 or np.ptp(values) == 0:
        return 0.0
    return float(stats.skew(values, bias=True))


def _center_scale(values: np.ndarray, scaling: str) -> tuple[float, float]:
    std = float(np.std(values))
    if scaling == "robust":
        q25, q50, q75 = np.percentile(values, [25, 50, 75])
        center, spread = float(q50), float(q75 - q25)
        if not spread > 0:
            spread = std
    else:
        center, spread = float(np.mean(values)), std
    return center, (spread if spread > 0 else 1.0)
