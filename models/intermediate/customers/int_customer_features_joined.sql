-- one row per snapshot and customer known before its as-of date: every customer feature, joined.
-- Left joins; a customer without a row in a feature model gets 0 for its counts (and for
-- engagement_trend, which is 0 when both of its windows are empty), false for its flags and null
-- for everything else (rates, averages, recencies, shares, codes). The custom CRM traits
-- (int_customer_traits_pivoted, one column per trait of trait_registry) come before the dates; null
-- when unknown.
-- depends_on: {{ ref('trait_registry') }}
{%- set categories = spend_share_categories() %}
{%- set trait_columns = trait_feature_columns('customer') %}

with

customers as (
    select * from {{ ref('int_customers_snapshotted') }}
),

customer_attributes as (
    select * from {{ ref('int_customers_resolved') }}
),

country_codes as (
    select * from {{ ref('country_codes') }}
),

rfm as (
    select * from {{ ref('int_customer_rfm_scored') }}
),

purchase_context as (
    select * from {{ ref('int_customer_purchase_context_aggregated') }}
),

survey_interests as (
    select * from {{ ref('int_customer_survey_interests_pivoted') }}
),

consents as (
    select * from {{ ref('int_customer_consents_pivoted') }}
),

web_activity as (
    select * from {{ ref('int_customer_web_activity_aggregated') }}
),

email_activity as (
    select * from {{ ref('int_customer_email_activity_aggregated') }}
),

customer_traits as (
    select * from {{ ref('int_customer_traits_pivoted') }}
)

select
    customers.snapshot_name,
    customers.customer_id,
    ---------- strings
    rfm.rfm_score,
    rfm.rfm_segment,
    customer_attributes.country_code,
    country_codes.region as country_region,
    survey_interests.survey_interest,
    web_activity.main_device,
    web_activity.main_utm_source,
    ---------- numerics: recency, frequency, monetary value
    rfm.recency_days,
    rfm.frequency,
    rfm.monetary_total,
    rfm.monetary_avg,
    customers.tenure_days,
    ---------- numerics: BTYD summary
    rfm.repeat_frequency,
    rfm.btyd_recency,
    rfm.btyd_t,
    rfm.repeat_monetary_avg,
    ---------- numerics: scores
    rfm.r_score,
    rfm.f_score,
    rfm.m_score,
    ---------- numerics: purchase context
    purchase_context.preferred_purchase_weekday,
    purchase_context.preferred_purchase_hour,
    purchase_context.holiday_spend_share,
    {% for category in categories -%}
        purchase_context.spend_share_{{ category_column_suffix(category) }},
    {% endfor -%}
    purchase_context.spend_share_other,
    purchase_context.category_entropy,
    coalesce(purchase_context.categories_purchased, 0) as categories_purchased,
    purchase_context.avg_unit_price,
    purchase_context.price_level,
    ---------- numerics: attributes and survey
    case
        when customer_attributes.birth_date < customers.as_of_date
            then cast({{ age_in_years('customer_attributes.birth_date', 'customers.as_of_date') }} as integer)
    end as age_years,
    coalesce(survey_interests.survey_answers, 0) as survey_answers,
    ---------- numerics: web behaviour
    coalesce(web_activity.sessions_7d, 0) as sessions_7d,
    coalesce(web_activity.sessions_30d, 0) as sessions_30d,
    coalesce(web_activity.sessions_90d, 0) as sessions_90d,
    coalesce(web_activity.page_views_30d, 0) as page_views_30d,
    coalesce(web_activity.page_views_90d, 0) as page_views_90d,
    web_activity.pages_per_session_90d,
    web_activity.avg_session_seconds_90d,
    coalesce(web_activity.product_views_90d, 0) as product_views_90d,
    coalesce(web_activity.add_to_cart_90d, 0) as add_to_cart_90d,
    coalesce(web_activity.checkouts_90d, 0) as checkouts_90d,
    coalesce(web_activity.searches_90d, 0) as searches_90d,
    coalesce(web_activity.video_plays_90d, 0) as video_plays_90d,
    coalesce(web_activity.form_submits_90d, 0) as form_submits_90d,
    web_activity.days_since_last_activity,
    coalesce(web_activity.engagement_trend, 0.0) as engagement_trend,
    ---------- numerics: email engagement
    coalesce(email_activity.emails_sent, 0) as emails_sent,
    coalesce(email_activity.emails_delivered, 0) as emails_delivered,
    email_activity.email_open_rate,
    email_activity.email_click_rate,
    coalesce(email_activity.email_bounces, 0) as email_bounces,
    email_activity.days_since_last_email_open,
    email_activity.days_since_last_email_click,
    ---------- booleans
    customer_attributes.is_in_crm,
    coalesce(consents.has_email_marketing_consent, false) as has_email_marketing_consent,
    coalesce(consents.has_ad_targeting_consent, false) as has_ad_targeting_consent,
    coalesce(consents.has_profiling_consent, false) as has_profiling_consent,
    coalesce(email_activity.is_email_unsubscribed, false) as is_email_unsubscribed,
    coalesce(email_activity.has_email_complained, false) as has_email_complained,
    ---------- trait features (one column per customer trait of trait_registry) and how many are known
    {{- trait_column_list(trait_columns, 'customer_traits') }}
    coalesce(customer_traits.traits_known, 0) as traits_known,
    ---------- dates
    customers.as_of_date,
    customers.first_seen_date,
    rfm.first_purchase_date,
    rfm.last_purchase_date
from customers
inner join customer_attributes
    on customers.customer_id = customer_attributes.customer_id
inner join rfm
    on
        customers.snapshot_name = rfm.snapshot_name
        and customers.customer_id = rfm.customer_id
left join country_codes
    on customer_attributes.country_code = country_codes.country_code
left join purchase_context
    on
        customers.snapshot_name = purchase_context.snapshot_name
        and customers.customer_id = purchase_context.customer_id
left join survey_interests
    on
        customers.snapshot_name = survey_interests.snapshot_name
        and customers.customer_id = survey_interests.customer_id
left join consents
    on
        customers.snapshot_name = consents.snapshot_name
        and customers.customer_id = consents.customer_id
left join web_activity
    on
        customers.snapshot_name = web_activity.snapshot_name
        and customers.customer_id = web_activity.customer_id
left join email_activity
    on
        customers.snapshot_name = email_activity.snapshot_name
        and customers.customer_id = email_activity.customer_id
left join customer_traits
    on
        customers.snapshot_name = customer_traits.snapshot_name
        and customers.customer_id = customer_traits.customer_id
