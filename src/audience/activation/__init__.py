"""Activation: audiences sent to ad platforms as hashed customer lists.

* `normalize`: Meta's normalisation of each customer-list key (EMAIL, PHONE, FN, LN, CT, ZIP, COUNTRY,
  DOBY, DOBM, DOBD) and SHA-256 hashing; the pseudonymous EXTERN_ID (HMAC of the subject id).
* `customer_file`: members -> rows -> batches of at most 10,000 rows -> files in the Marketing API's
  customer-list payload format (`{"data": [...], "schema": [...]}`), byte-identical for the same input.
* `meta`: sending the files with the official `facebook_business` SDK (add users, or replace users in one
  upload session), credentials from the environment only, never logged.
* `audit`: the append-only `audit.export_runs` / `audit.export_run_batches` tables of the warehouse.
* `sync`: `audience sync --audience NAME`, tying the above to the warehouse.

Which members an audience has, and the consent rule, are SQL (dbt): `models/*/activation`.
"""
