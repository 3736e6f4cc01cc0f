-- clean email events with the customer resolved to the survivor, checked by the cross-source rule of
-- the dq_rules seed: an event dated before its (CRM) customer was created is quarantined as
-- event_before_subject_created (dq_quarantined_rows and dq_source_reconciliation read it)
{{ config(materialized='table') }}

with

email_events as (
    select * from {{ ref('base_email__events') }}
    where reject_reason is null
),

customer_ids as (
    select * from {{ ref('int_customer_ids_mapped') }}
),

customers as (
    select * from {{ ref('int_customers_resolved') }}
),

identified as (
    select
        email_events.event_id,
        customer_ids.customer_id,
        email_events.customer_id as source_customer_id,
        email_events.lead_id,
        email_events.campaign_id,
        email_events.event_type,
        email_events.occurred_at,
        email_events._raw_file,
        email_events.occurred_at < customers.created_at as is_before_customer_created
    from email_events
    left join customer_ids
        on email_events.customer_id = customer_ids.source_customer_id
    left join customers
        on
            customer_ids.customer_id = customers.customer_id
            and customers.is_in_crm
)

select
    event_id,
    customer_id,
    lead_id,
    campaign_id,
    event_type,
    occurred_at,
    case when is_before_customer_created then 'event_before_subject_created' end as reject_reason,
    case when is_before_customer_created then 'occurred_at' end as reject_column,
    case
        when is_before_customer_created
            then to_json({{ struct_literal([
                    ('event_id', 'event_id'),
                    ('occurred_at', 'occurred_at'),
                    ('customer_id', 'source_customer_id'),
                    ('lead_id', 'lead_id'),
                    ('campaign_id', 'campaign_id'),
                    ('event_type', 'event_type'),
                ]) }})
    end as raw_values,
    _raw_file
from identified
