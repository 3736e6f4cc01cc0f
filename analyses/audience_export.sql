-- An audience export for a marketer: the customers of one segment (var export_segment_id, default
-- the largest segment) who may be emailed (consent in force, valid email), with their purchase
-- propensity. Compile with `dbt compile --select audience_export` and run the SQL in target/compiled.
with

customer_segments as (
    select * from {{ ref('customer_segments') }}
),

segment_profiles as (
    select * from {{ ref('segment_profiles') }}
),

customers as (
    select * from {{ ref('int_customers_resolved') }}
),

consents as (
    select * from {{ ref('int_consents_latest') }}
),

propensity_scores as (
    select * from {{ ref('customer_propensity_scores') }}
),

chosen_segment as (
    select segment_id
    from segment_profiles
    {%- if var('export_segment_id') is not none %}
    where segment_id = {{ var('export_segment_id') }}
    {%- else %}
        order by customers desc, segment_id asc
        limit 1
    {%- endif %}
),

email_consents as (
    select subject_id as customer_id
    from consents
    where subject_type = 'customer' and purpose = 'email_marketing' and is_granted
)

select
    customers.customer_id,
    customers.email,
    customers.first_name,
    customers.country_code,
    customer_segments.segment_name,
    propensity_scores.probability as purchase_probability,
    propensity_scores.grade as propensity_grade
from customer_segments
inner join chosen_segment
    on customer_segments.segment_id = chosen_segment.segment_id
inner join customers
    on customer_segments.customer_id = customers.customer_id
inner join email_consents
    on customer_segments.customer_id = email_consents.customer_id
left join propensity_scores
    on customer_segments.customer_id = propensity_scores.customer_id
where customers.email is not null
order by purchase_probability desc nulls last, customers.customer_id asc
