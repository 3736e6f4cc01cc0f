-- One batch of the membership history: every customer of customer_features as of this build, with
-- its cluster segment (null when the segmentation was skipped) and its RFM segment. Appended per
-- as-of date; rebuilding a date replaces its rows (delete+insert on as_of_date).
-- Erasure: rows of erased customers are deleted from every as-of date after each build (post-hook,
-- macros/privacy/erasure.sql).
{{ config(
    full_refresh=var('history_reset'),
    post_hook="{{ erase_subject_rows(this, 'customer_id', \"'customer'\") }}",
) }}
-- depends_on: {{ ref('stg_crm__erased_subjects') }}
with

customer_features as (
    select * from {{ ref('customer_features') }}
),

customer_segments as (
    select * from {{ ref('customer_segments') }}
)

select
    ---------- ids
    customer_features.customer_id,
    customer_segments.segment_id,
    ---------- strings
    customer_segments.segment_name,
    customer_features.rfm_segment,
    customer_segments.model_version,
    ---------- dates
    customer_features.as_of_date,
    ---------- timestamps
    {{ build_time() }} as recorded_at
from customer_features
left join customer_segments
    on customer_features.customer_id = customer_segments.customer_id
