{#-
    Sessionization, one definition each (models/intermediate/behaviour/int_web_session*).

    session_timeout_minutes(): a gap of MORE than this many minutes between two events of a visitor
        starts a new session (exactly this gap stays in the session).
    web_session_event_types(): event type -> the session's count column.
    web_visitor_type() / web_visitor_id(): the visitor an event belongs to: its anonymous_id, else its
        (resolved) customer_id, else its lead_id; visitor_type says which ('anonymous', 'customer',
        'lead'), so that the visitor key `<type>:<id>` is unique. Null id: the event belongs to nobody.
    web_session_slice_start(ts): the start of the slice of `ts`: slices are consecutive
        session_timeout_minutes() windows aligned on midnight UTC. Two events of a slice are less than
        the timeout apart, so a slice never holds two sessions; and a slice never crosses midnight, so a
        snapshot cut (as_of_at, always a midnight) never splits a slice.
    web_session_aggregates_from_slices(slices): the aggregates that combine the slices of a session
        into its stitched ids, device, counts and end; for whole sessions and for sessions cut at a
        snapshot (their slices before the cut). The first event's fields (landing page, utm) and the
        start are those of the session's first slice, the same for a cut session.
-#}
{% macro session_timeout_minutes() -%}
    {{ return(30) }}
{%- endmacro %}


{% macro web_session_event_types() -%}
    {{ return({
        'page_view': 'page_views',
        'product_view': 'product_views',
        'add_to_cart': 'add_to_carts',
        'checkout': 'checkouts',
        'search': 'searches',
        'video_play': 'video_plays',
        'form_submit': 'form_submits',
    }) }}
{%- endmacro %}


{% macro web_visitor_type(anonymous_id='anonymous_id', customer_id='customer_id', lead_id='lead_id') -%}
    case
        when {{ anonymous_id }} is not null then 'anonymous'
        when {{ customer_id }} is not null then 'customer'
        when {{ lead_id }} is not null then 'lead'
    end
{%- endmacro %}


{% macro web_visitor_id(anonymous_id='anonymous_id', customer_id='customer_id', lead_id='lead_id') -%}
    coalesce({{ anonymous_id }}, {{ customer_id }}, {{ lead_id }})
{%- endmacro %}


{% macro web_session_slice_start(ts) -%}
    {{ return(adapter.dispatch('web_session_slice_start')(ts)) }}
{%- endmacro %}

{% macro duckdb__web_session_slice_start(ts) -%}
    time_bucket(interval {{ session_timeout_minutes() }} minute, {{ ts }}, timestamp '2000-01-01 00:00:00')
{%- endmacro %}

{#- Spark (issue 14): the same buckets, counted in microseconds since the epoch (a midnight too). -#}
{% macro spark__web_session_slice_start(ts) -%}
    timestamp_micros(
        unix_micros({{ ts }}) - pmod(unix_micros({{ ts }}), {{ session_timeout_minutes() * 60 * 1000000 }})
    )
{%- endmacro %}

{% macro default__web_session_slice_start(ts) -%}
    {{ exceptions.raise_compiler_error('web_session_slice_start: no implementation for ' ~ target.type) }}
{%- endmacro %}


{% macro web_session_aggregates_from_slices(slices) -%}
    {%- set event_types = web_session_event_types() %}
    min_by({{ slices }}.first_customer_id, {{ slices }}.slice_start_at)
    filter (where {{ slices }}.first_customer_id is not null) as customer_id,
    min_by({{ slices }}.first_lead_id, {{ slices }}.slice_start_at)
    filter (where {{ slices }}.first_lead_id is not null) as lead_id,
    min_by({{ slices }}.first_device_type, {{ slices }}.slice_start_at)
    filter (where {{ slices }}.first_device_type is not null) as device_type,
    sum({{ slices }}.events) as events,
    {%- for column_name in event_types.values() %}
        sum({{ slices }}.{{ column_name }}) as {{ column_name }},
    {%- endfor %}
    min({{ slices }}.min_customer_id) as min_customer_id,
    max({{ slices }}.max_customer_id) as max_customer_id,
    min({{ slices }}.min_lead_id) as min_lead_id,
    max({{ slices }}.max_lead_id) as max_lead_id,
    max({{ slices }}.last_event_at) as session_ended_at
{%- endmacro %}


{#-
    web_session_identified_counts(sessions, web_events, keys, condition): a select of the exact distinct
    customers and leads of the `sessions` (aliased `flagged`) that meet `condition` (they saw two or
    more: a shared device), counted from their events between session_started_at and
    session_ended_at; one row per `keys`. Usually no session qualifies and DuckDB skips the events.
    web_session_columns(sessions, counts=none): the session columns of the session models, from a
    relation with the aggregates of web_session_aggregates_from_slices, visitor_type, visitor_id,
    session_number, session_started_at, landing_page_url and utm_*, left-joined to the exact counts
    (without `counts`, identified_* of a session with several ids is null: a post-hook counts them).
-#}
{% macro web_session_identified_counts(sessions, web_events, keys, condition) -%}
    {%- set visitor_columns = ['web_events.anonymous_id', 'web_events.customer_id', 'web_events.lead_id'] %}
    select
        {%- for key in keys %}
        flagged.{{ key }},
        {%- endfor %}
        count(distinct web_events.customer_id) as identified_customers,
        count(distinct web_events.lead_id) as identified_leads
    from {{ sessions }} as flagged
    inner join {{ web_events }} as web_events
        on
            flagged.visitor_type = {{ web_visitor_type(*visitor_columns) }}
            and flagged.visitor_id = {{ web_visitor_id(*visitor_columns) }}
            and web_events.occurred_at >= flagged.session_started_at
            and web_events.occurred_at <= flagged.session_ended_at
    where {{ condition }}
    group by
        {%- for key in keys %}
        flagged.{{ key }}{{ ',' if not loop.last }}
        {%- endfor %}
{%- endmacro %}


{% macro web_session_columns(sessions, counts=none) -%}
    {%- set event_types = web_session_event_types() %}
    ---------- ids
    {{ sessions }}.visitor_type || ':' || {{ sessions }}.visitor_id || '#' || {{ sessions }}.session_number
        as session_id,
    case when {{ sessions }}.visitor_type = 'anonymous' then {{ sessions }}.visitor_id end as anonymous_id,
    {{ sessions }}.customer_id,
    {{ sessions }}.lead_id,
    ---------- strings
    {{ sessions }}.landing_page_url,
    {{ sessions }}.device_type,
    {{ sessions }}.utm_source,
    {{ sessions }}.utm_medium,
    {{ sessions }}.utm_campaign,
    ---------- numerics
    cast({{ sessions }}.session_number as integer) as session_number,
    cast({{ sessions }}.events as integer) as events,
    {%- for column_name in event_types.values() %}
        cast({{ sessions }}.{{ column_name }} as integer) as {{ column_name }},
    {%- endfor %}
    {%- for kind in ['customer', 'lead'] %}
    cast(case
        when {{ sessions }}.min_{{ kind }}_id is null then 0
        when {{ sessions }}.min_{{ kind }}_id = {{ sessions }}.max_{{ kind }}_id then 1
        {%- if counts %}
        else {{ counts }}.identified_{{ kind }}s
        {%- endif %}
    end as integer) as identified_{{ kind }}s,
    {%- endfor %}
    cast({{ date_difference('second', sessions ~ '.session_started_at', sessions ~ '.session_ended_at') }} as integer)
        as session_duration_seconds,
    ---------- dates
    cast({{ sessions }}.session_started_at as date) as session_date,
    ---------- timestamps
    {{ sessions }}.session_started_at,
    {{ sessions }}.session_ended_at
{%- endmacro %}


{#-
    resolve_web_session_slices(relation): post-hook of int_web_session_slices_aggregated. For the slices
    flagged is_resolved_from_events (the cheap "first" of the model is ambiguous there), sets
    first_customer_id, first_lead_id, first_device_type, first_page_url and first_utm_* from the
    slice's events in (occurred_at, event_id) order. Reads the events only when a slice is flagged.
-#}
{% macro resolve_web_session_slices(relation) -%}
    {{ return(adapter.dispatch('resolve_web_session_slices')(relation)) }}
{%- endmacro %}

{% macro default__resolve_web_session_slices(relation) -%}
    update {{ relation }} as slices
    set
        first_customer_id = resolved.first_customer_id,
        first_lead_id = resolved.first_lead_id,
        first_device_type = resolved.first_device_type,
        first_page_url = resolved.first_event.page_url,
        first_utm_source = resolved.first_event.utm_source,
        first_utm_medium = resolved.first_event.utm_medium,
        first_utm_campaign = resolved.first_event.utm_campaign
    from (
        {{ web_session_slices_resolved(relation) }}
    ) as resolved
    where
        slices.visitor_type = resolved.visitor_type
        and slices.visitor_id = resolved.visitor_id
        and slices.slice_start_at = resolved.slice_start_at
{%- endmacro %}

{#- the flagged slices' first values from their events, in (occurred_at, event_id) order: both engines -#}
{% macro web_session_slices_resolved(relation) -%}
    {%- set event_order = order_key(['web_events.occurred_at', 'web_events.event_id']) %}
    {%- set visitor_columns = ['web_events.anonymous_id', 'web_events.customer_id', 'web_events.lead_id'] %}
        select
            flagged.visitor_type,
            flagged.visitor_id,
            flagged.slice_start_at,
            {{ min_by_keep_nulls(
                named_struct(['web_events.page_url', 'web_events.utm_source', 'web_events.utm_medium',
                    'web_events.utm_campaign']),
                event_order
            ) }} as first_event,
            min_by(web_events.customer_id, {{ event_order }})
            filter (where web_events.customer_id is not null) as first_customer_id,
            min_by(web_events.lead_id, {{ event_order }})
            filter (where web_events.lead_id is not null) as first_lead_id,
            min_by(web_events.device_type, {{ event_order }})
            filter (where web_events.device_type is not null) as first_device_type
        from {{ relation }} as flagged
        inner join {{ ref('int_web_events_identified') }} as web_events
            on
                flagged.visitor_type = {{ web_visitor_type(*visitor_columns) }}
                and flagged.visitor_id = {{ web_visitor_id(*visitor_columns) }}
                and flagged.slice_start_at = {{ web_session_slice_start('web_events.occurred_at') }}
        where flagged.is_resolved_from_events
        group by flagged.visitor_type, flagged.visitor_id, flagged.slice_start_at
{%- endmacro %}



{#-
    count_web_session_identities(relation): post-hook of int_web_sessions_stitched. For the sessions
    flagged is_counted_from_events (their slices saw two or more customers or leads: a shared device),
    sets identified_customers and identified_leads to the distinct ids of the session's events. Reads
    the events only when a session is flagged.
-#}
{% macro count_web_session_identities(relation) -%}
    {{ return(adapter.dispatch('count_web_session_identities')(relation)) }}
{%- endmacro %}

{% macro default__count_web_session_identities(relation) -%}
    update {{ relation }} as sessions
    set
        identified_customers = counted.identified_customers,
        identified_leads = counted.identified_leads
    from (
        {{ web_session_identified_counts(
            relation, ref('int_web_events_identified'), ['visitor_type', 'visitor_id', 'session_number'],
            'flagged.is_counted_from_events'
        ) }}
    ) as counted
    where
        sessions.visitor_type = counted.visitor_type
        and sessions.visitor_id = counted.visitor_id
        and sessions.session_number = counted.session_number
{%- endmacro %}


{#-
    On Spark (no UPDATE on Parquet tables) both post-hooks run as spark_update_from (macros/engine.sql):
    the same subquery, its values written over the matched rows by rewriting the table.
-#}
{% macro spark__resolve_web_session_slices(relation) -%}
    {%- set resolved = web_session_slices_resolved(relation) %}
    {{ return(spark_update_from(
        relation, ['visitor_type', 'visitor_id', 'slice_start_at'],
        {
            'first_customer_id': 'source.first_customer_id',
            'first_lead_id': 'source.first_lead_id',
            'first_device_type': 'source.first_device_type',
            'first_page_url': 'source.first_event.page_url',
            'first_utm_source': 'source.first_event.utm_source',
            'first_utm_medium': 'source.first_event.utm_medium',
            'first_utm_campaign': 'source.first_event.utm_campaign',
        },
        resolved, 'is_resolved_from_events'
    )) }}
{%- endmacro %}

{% macro spark__count_web_session_identities(relation) -%}
    {%- set counted = web_session_identified_counts(
        relation, ref('int_web_events_identified'), ['visitor_type', 'visitor_id', 'session_number'],
        'flagged.is_counted_from_events'
    ) %}
    {{ return(spark_update_from(
        relation, ['visitor_type', 'visitor_id', 'session_number'],
        {
            'identified_customers': 'source.identified_customers',
            'identified_leads': 'source.identified_leads',
        },
        counted, 'is_counted_from_events'
    )) }}
{%- endmacro %}
