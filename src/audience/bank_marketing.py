"""Import the UCI Bank Marketing data set (real phone-campaign outcomes) into the raw contract.

Source: ``bank-additional-full.csv.gz`` (semicolon-separated, 41,188 contacts of a Portuguese bank,
May 2008 to November 2010, in date order; see ``../shared/data/bank_marketing/README.md``). One contact
is one lead. Written files:

``leads.csv`` (one row per source row, in file order)
    * ``lead_id`` = ``bank-<row number>``, 1-based, zero-padded to 5 digits (``bank-00001``);
    * ``created_at``: the contact's date, synthesised because the file has ``month`` and
      ``day_of_week`` but no year or day (:func:`contact_dates`): the year starts at 2008 and goes up
      by one whenever the month goes back (rows are in date order: May-Dec 2008, Mar-Dec 2009,
      Mar-Nov 2010); within a month the first row falls on the first such weekday of the month, and a
      weekday lower than the previous row's starts the next week. A date past the end of the month is
      moved back by whole weeks into it (``clamped_dates`` counts them; 0 for this file). The time is
      09:00:00 plus one second per earlier row of the same day, so ``created_at`` keeps the file order;
    * ``status`` = ``converted`` when ``y`` is ``yes`` else ``lost``; ``converted_at`` = ``created_at``
      for ``yes`` (the outcome is known at the call), empty otherwise: ``lead_conversion_labels`` labels
      every lead once the as-of date is at least ``lead_conversion_horizon_days`` after the last contact
      (build with ``--vars '{as_of_date: "2011-03-01"}'``: the file has no orders or events, so the
      default as-of date would be the build day);
    * ``job_title`` = ``job`` (the contract's field for the occupation), ``country_code`` = ``PT``,
      ``lead_source`` = ``phone_campaign``; the other lead columns are empty.

``traits.csv`` (the optional ``traits`` table: ``subject_type``, ``subject_id``, ``trait``, ``value``,
``recorded_at``)
    One row per lead and client attribute in ``TRAITS`` (``age``, ``job``, ``marital``, ``education``,
    ``default``, ``housing``, ``loan``, ``contact``, ``campaign``, ``pdays``, ``previous``, ``poutcome``
    and the five economy columns), ``subject_type`` = ``lead``, the value as written in the source
    (``unknown`` and ``pdays = 999`` "never contacted" kept as they are), ``recorded_at`` = the lead's
    ``created_at`` (known at the call).

``duration`` is never written: the call's length is known only after the call and leaks the outcome.
``month`` and ``day_of_week`` only shape ``created_at``. The 12 duplicated source rows stay 12 leads
(distinct contacts that happen to look the same).

:func:`baseline_cv_auc` computes the plain scikit-learn reference on the same columns (one-hot +
standard scaling, 5-fold stratified CV, ``duration`` excluded) and :func:`parity` the package's lead model
next to it (``audience import-bank-marketing --baseline`` prints both; ``tests/python/test_bank_marketing.py``
checks the gap, in Python on :func:`feature_frame` and through the raw contract: a dbt build turns
``traits.csv`` into the ``trait_*`` columns of ``lead_features``, typed as :func:`feature_frame` types them).
"""

from __future__ import annotations

import calendar
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from audience.scoring import ScoringSettings

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FIRST_YEAR = 2008
LEAKING_COLUMN = "duration"
LABEL_COLUMN = "y"
CATEGORICAL_TRAITS = (
    "job",
    "marital",
    "education",
    "default",
    "housing",
    "loan",
    "contact",
    "poutcome",
)
NUMERIC_TRAITS = (
    "age",
    "campaign",
    "pdays",
    "previous",
    "emp.var.rate",
    "cons.price.idx",
    "cons.conf.idx",
    "euribor3m",
    "nr.employed",
)
TRAITS = CATEGORICAL_TRAITS + NUMERIC_TRAITS
"""Client and context attributes written as traits (every source column but the contact date, the
leaking ``duration`` and the outcome ``y``)."""
ECONOMY_TRAITS = ("emp.var.rate", "cons.price.idx", "cons.conf.idx", "euribor3m", "nr.employed")


@dataclass(frozen=True)
class ContactDates:
    """Synthesised contact dates and how many of them had to be moved back into their month."""

    dates: pd.Series
    clamped_dates: int


def read_source(src: str | Path) -> pd.DataFrame:
    """The source file as text columns, in file order; raises when the file or a column is missing."""
    src = Path(src)
    if not src.exists():
        raise FileNotFoundError(f"Bank Marketing file not found: {src}")
    frame = pd.read_csv(src, sep=";", dtype=str, keep_default_na=False)
    expected = {*TRAITS, "month", "day_of_week", LEAKING_COLUMN, LABEL_COLUMN}
    missing = sorted(expected - set(frame.columns))
    if missing:
        raise ValueError(f"{src}: missing column(s) {missing}")
    return frame


def contact_dates(month: pd.Series, day_of_week: pd.Series) -> ContactDates:
    """Dates of rows in date order that carry only a month and a weekday (rules in the module doc)."""
    month_number = month.str.lower().map({m: i + 1 for i, m in enumerate(MONTHS)})
    weekday = day_of_week.str.lower().map({d: i for i, d in enumerate(WEEKDAYS)})
    bad = month_number.isna() | weekday.isna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise ValueError(f"row {row + 2}: unknown month {month.iloc[row]!r} or day {day_of_week.iloc[row]!r}")
    dates: list[pd.Timestamp] = []
    clamped = 0
    year, previous_month, previous_weekday, day = FIRST_YEAR, None, None, 0
    for m, w in zip(month_number.astype(int), weekday.astype(int), strict=True):
        if previous_month is None or m != previous_month:
            if previous_month is not None and m < previous_month:
                year += 1
            first_weekday = calendar.weekday(year, m, 1)
            day = 1 + (w - first_weekday) % 7
        elif w != previous_weekday:
            day += (w - previous_weekday) % 7
        last_day = calendar.monthrange(year, m)[1]
        kept_day = day
        while kept_day > last_day:
            kept_day -= 7
        clamped += kept_day != day
        dates.append(pd.Timestamp(year=year, month=m, day=kept_day))
        previous_month, previous_weekday = m, w
    return ContactDates(pd.Series(dates, index=month.index, dtype="datetime64[s]"), clamped)


def lead_frames(source: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, int]]:
    """The ``leads`` and ``traits`` frames of the contract from the source rows, and counts."""
    contact = contact_dates(source["month"], source["day_of_week"])
    day = contact.dates
    second_of_day = day.groupby(day).cumcount()
    created_at = day + pd.Timedelta(hours=9) + pd.to_timedelta(second_of_day, unit="s")
    outcome = source[LABEL_COLUMN].str.strip().str.lower()
    unknown = sorted(set(outcome) - {"yes", "no"})
    if unknown:
        raise ValueError(f"column y: values other than yes/no: {unknown}")
    converted = outcome == "yes"
    lead_id = pd.Series([f"bank-{i:05d}" for i in range(1, len(source) + 1)], index=source.index)
    stamp = created_at.dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    leads = pd.DataFrame(
        {
            "lead_id": lead_id,
            "created_at": stamp,
            "status": np.where(converted, "converted", "lost"),
            "converted_at": stamp.where(converted, ""),
            "job_title": source["job"],
            "country_code": "PT",
            "lead_source": "phone_campaign",
        }
    )
    traits = pd.concat(
        [
            pd.DataFrame(
                {
                    "subject_type": "lead",
                    "subject_id": lead_id,
                    "trait": trait,
                    "value": source[trait],
                    "recorded_at": stamp,
                }
            )
            for trait in TRAITS
        ],
        ignore_index=True,
    )
    counts = {
        "leads": len(leads),
        "converted": int(converted.sum()),
        "traits": len(traits),
        "clamped_dates": contact.clamped_dates,
    }
    return leads, traits, counts


def import_bank_marketing(src: str | Path, out_dir: str | Path) -> dict[str, int]:
    """Write ``leads.csv`` and ``traits.csv`` of the raw contract from the Bank Marketing file ``src``
    into ``out_dir``; returns (and prints) the counts of leads, converted leads, trait rows and
    clamped dates."""
    began = time.perf_counter()
    leads, traits, counts = lead_frames(read_source(src))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    leads.to_csv(out_dir / "leads.csv", index=False)
    traits.to_csv(out_dir / "traits.csv", index=False)
    print(
        "bank marketing: "
        + ", ".join(f"{k.replace('_', ' ')}={v:,}" for k, v in counts.items())
        + f" -> {out_dir} in {time.perf_counter() - began:.1f}s"
    )
    return counts


def feature_frame(source: pd.DataFrame, columns: tuple[str, ...] = TRAITS) -> pd.DataFrame:
    """``lead_id``, the trait ``columns`` typed (numeric traits as float, categorical as text) and the
    0/1 label ``converted``: the frame a lead model sees once traits reach ``lead_features``."""
    frame = pd.DataFrame({"lead_id": [f"bank-{i:05d}" for i in range(1, len(source) + 1)]})
    for column in columns:
        if column in NUMERIC_TRAITS:
            frame[column] = pd.to_numeric(source[column].to_numpy(), errors="raise").astype("float64")
        else:
            frame[column] = source[column].to_numpy()
    frame["converted"] = (source[LABEL_COLUMN].str.strip().str.lower() == "yes").astype("int64").to_numpy()
    return frame


def baseline_cv_auc(
    frame: pd.DataFrame, columns: tuple[str, ...] = TRAITS, *, folds: int, seed: int
) -> dict[str, float]:
    """Mean ROC AUC of the plain reference pipelines over stratified ``folds``-fold CV (shuffled with
    ``seed``): one-hot of the categorical columns and standard scaling of the numeric ones, then
    ``LogisticRegression(max_iter=1000)`` or ``HistGradientBoostingClassifier(random_state=seed)``, all
    other settings scikit-learn's defaults. Keys ``logistic_regression`` and ``hist_gradient_boosting``."""
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler
    from threadpoolctl import threadpool_limits

    categorical = [c for c in columns if c in CATEGORICAL_TRAITS]
    numeric = [c for c in columns if c in NUMERIC_TRAITS]
    encode = ColumnTransformer(
        [
            ("categorical", OneHotEncoder(handle_unknown="ignore", sparse_output=False), categorical),
            ("numeric", StandardScaler(), numeric),
        ]
    )
    estimators = {
        "logistic_regression": LogisticRegression(max_iter=1000),
        "hist_gradient_boosting": HistGradientBoostingClassifier(random_state=seed),
    }
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    out = {}
    with threadpool_limits(limits=1):
        for name, estimator in estimators.items():
            pipeline = make_pipeline(encode, estimator)
            scores = cross_val_score(
                pipeline, frame[list(columns)], frame["converted"], cv=cv, scoring="roc_auc"
            )
            out[name] = float(np.mean(scores))
    return out


@dataclass(frozen=True)
class Parity:
    """The reference pipelines' CV ROC AUC and the package's own lead model on the same columns and the
    same rows (the package's fit sample)."""

    baseline: dict[str, float]
    chosen_estimator: str
    cv_roc_auc: float
    logistic_cv_roc_auc: float
    rows: int

    @property
    def gap(self) -> float:
        """Best reference AUC minus the package's (positive: the package is behind)."""
        return max(self.baseline.values()) - self.cv_roc_auc


def parity(source: pd.DataFrame, settings: ScoringSettings, columns: tuple[str, ...] = TRAITS) -> Parity:
    """``fit_and_score`` (the lead model, as a build would fit it from these traits) and
    :func:`baseline_cv_auc` on the same ``columns`` and the same rows: the package's fit sample (all rows
    when ``settings.max_train_rows`` is at least their number). ``settings`` come from the caller
    (``audience.project`` reads the build's)."""
    from audience.features import FeatureSpec
    from audience.scoring import Economics, fit_and_score, fit_sample

    frame = feature_frame(source, columns)  # lead ids in file order are in id order, as fit_and_score sorts
    specs = [FeatureSpec(c, "categorical" if c in CATEGORICAL_TRAITS else "numeric") for c in columns]
    result = fit_and_score(
        frame,
        "converted",
        frame.drop(columns="converted"),
        specs,
        id_column="lead_id",
        model_name="lead_conversion",
        model_version="bank-marketing-parity",
        economics=Economics(value_per_conversion=1.0, cost_per_contact=0.1),
        settings=settings,
    )
    metrics = result.metrics.iloc[0]
    rows, _, _ = fit_sample(frame["converted"].to_numpy(), settings)
    return Parity(
        baseline=baseline_cv_auc(
            frame.iloc[rows].reset_index(drop=True), columns, folds=settings.cv_folds, seed=settings.seed
        ),
        chosen_estimator=str(metrics["chosen_estimator"]),
        cv_roc_auc=float(metrics["cv_roc_auc_mean"]),
        logistic_cv_roc_auc=float(metrics["logistic_cv_roc_auc_mean"]),
        rows=len(rows),
    )


def print_parity(src: str | Path) -> None:
    """Print the parity of the package with the reference pipelines on the Bank Marketing traits: with the
    build's settings (both on its fit sample), and with every row as the fit sample."""
    from audience.project import scoring_settings

    source = read_source(src)
    for label, settings in (
        ("build settings", scoring_settings()),
        ("every row", scoring_settings(max_train_rows=len(source))),
    ):
        result = parity(source, settings)
        baseline = ", ".join(f"{k} {v:.4f}" for k, v in result.baseline.items())
        print(
            f"bank marketing parity ({label}, {result.rows:,} rows): "
            f"reference {baseline}; package {result.chosen_estimator} {result.cv_roc_auc:.4f} "
            f"(logistic {result.logistic_cv_roc_auc:.4f}), gap {result.gap:+.4f}"
        )
