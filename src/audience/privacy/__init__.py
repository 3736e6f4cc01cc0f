"""Privacy (issue 11): what dbt cannot do for erasure, and the check that BI reads no raw PII.

* `erasure`: `audience erase`, run after each build (`make run`): once a new erasure request has been
  applied by the build (dbt removes the subject from every table: macros/privacy/erasure.sql), compact
  the warehouse file so the freed blocks that still hold the subject's bytes are gone, delete the export
  runs that hold the subject (removing the rows from add-mode Meta audiences they were sent to, with
  `--send`) and the published Parquet copies of earlier builds.
* `pii_scan`: `audience pii-scan`, email- and phone-shaped values in the tables of schema `main` (the
  schemas BI reads); the demo build must have none.
"""
