"""A stored scoring model applied to every row on the cluster with `mapInPandas` (issue 14).

What SQL does not apply is applied where the rows are: the fitted `audience.scoring.Scorer` (read from
the model store, `ml.model_store`) is pickled once on the driver, broadcast, and each executor scores
its partitions in pandas batches with the package's own code:

- the probability of a tree model that won (histogram gradient boosting, random forest): the tree's
  decision values through its Platt calibration, as `Scorer.score` computes it; null when the
  logistic model won (then the probability is the SQL logistic probability, `logistic_scores_sql`);
- the three reasons (the source features with the largest positive contributions `coefficient * z` in
  the calibrated logistic model, `audience.scoring.formulas.reasons`).

Every output is a function of its own row only (the preprocessing is the stored one), so batches and
partitions give the same values as one pandas frame; the decile (a rank over all rows) is left to Spark.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator

import numpy as np
import pandas as pd

# what `score_rows` returns per row, besides the id
ROW_SCHEMA = "tree_probability double, reason_1 string, reason_2 string, reason_3 string"


def score_batch(scorer, batch: pd.DataFrame, id_column: str) -> pd.DataFrame:
    """`batch` (id and features, typed as `audience.jobs.feature_frame` types them) scored by `scorer`:
    the id, the tree probability (null without a tree model) and the three reasons."""
    from threadpoolctl import threadpool_limits

    from audience.scoring.cv import decision_values
    from audience.scoring.formulas import logistic_terms, reasons

    z_all = scorer.preprocessor.transform(batch)
    terms = logistic_terms(z_all[:, scorer.kept_positions], scorer.coefficients)
    reason_1, reason_2, reason_3 = reasons(terms, scorer.kept_sources)
    if scorer.tree_model is None:
        probability = np.full(len(batch), np.nan)
    else:
        with threadpool_limits(limits=1):  # one Python worker per core already
            probability = scorer.platt_tree.probability(decision_values(scorer.tree_model, z_all))
    return pd.DataFrame(
        {
            id_column: batch[id_column].astype(str).to_numpy(),
            "tree_probability": np.asarray(probability, dtype=np.float64),
            "reason_1": pd.Series(reason_1, dtype=object),
            "reason_2": pd.Series(reason_2, dtype=object),
            "reason_3": pd.Series(reason_3, dtype=object),
        }
    )


def score_rows(spark_frame, scorer, id_column: str, feature_columns: list[str]):
    """`spark_frame` (id and features) scored by `scorer` on the executors with `mapInPandas`.

    Returns a Spark DataFrame (`id_column` string, `ROW_SCHEMA`), one row per input row.
    """
    payload = spark_frame.sparkSession.sparkContext.broadcast(pickle.dumps(scorer))

    def score(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        model = pickle.loads(payload.value)  # noqa: S301 (our own model store's fit)
        for batch in batches:
            yield score_batch(model, batch, id_column)

    return spark_frame.select(id_column, *feature_columns).mapInPandas(
        score, schema=f"{id_column} string, {ROW_SCHEMA}"
    )
