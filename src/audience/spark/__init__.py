"""Apache Spark scale-out (issue 14): the fit on a sample outside dbt, the apply step, and the build steps.

On Spark, dbt builds the SQL models; the dbt Python models do not run there (dbt-spark has no Python
model submission for open-source Spark), so `audience fit --target spark` runs them here instead: it
reads a fixed-seed sample of their inputs to the driver, calls each Python model's own `model()`
function (the same `audience` package code a DuckDB build runs) and writes the model tables
(`segment_centroids`, `segment_scaler_params`, `scoring_model_coefficients`, ...) and the pickled fits
(`ml.model_store`) to Spark. The SQL scorers (`customer_segments_sql`, `logistic_scores_sql`) apply them
to every row on the cluster, `audience apply --target spark` writes the Python models' per-row tables
from them (with `mapInPandas` for a tree model, `audience.spark.gbm`), and dbt builds the SQL models
downstream of the Python models on those tables.
"""
