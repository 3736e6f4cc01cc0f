"""A stored tree model applied to every row on the cluster with `mapInPandas` (issue 14; a stub for now).

When a tree model (histogram gradient boosting, random forest) wins a scoring model, its probability
cannot be written as SQL. On Spark it is applied where the rows are: the fitted estimator is pickled
once on the driver, broadcast, and each executor scores its partitions in pandas batches.

Not wired in yet: `audience.scoring` returns the tables of a fit (`ScoringResult`), not the fitted
estimator, so `audience fit` has nothing to broadcast; until it does, Spark serves the SQL logistic
probability (`logistic_scores_sql`) for every model, the documented portable fallback whose quality
`model_metrics.logistic_cv_roc_auc_mean` reports.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator

import pandas as pd


def score_in_pandas(spark_frame, estimator, id_column: str, feature_columns: list[str]):
    """`spark_frame` (id and features) scored by `estimator.predict_proba` on the executors.

    Returns a Spark DataFrame (id_column string, probability double), one row per input row.
    """
    payload = spark_frame.sparkSession.sparkContext.broadcast(pickle.dumps(estimator))

    def score(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        model = pickle.loads(payload.value)
        for batch in batches:
            probability = model.predict_proba(batch[feature_columns])[:, 1]
            yield pd.DataFrame({id_column: batch[id_column].astype(str), "probability": probability})

    return spark_frame.select(id_column, *feature_columns).mapInPandas(
        score, schema=f"{id_column} string, probability double"
    )
