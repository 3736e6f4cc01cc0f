-- One row per lead created before the current as-of date: its email-marketing consent state at the end
-- of its activity window (int_lead_activity_aggregated; never after the as-of date), the same point in
-- time as its activity features, so a consent given or withdrawn because the lead converted stays out.
-- Decided by the project's one consent rule (macro consent_in_force) over the lead's consent records and
-- email opt-outs before the window end: `granted` or `withdrawn` (by a record, or by an unsubscribe or
-- complaint at or after it), `unknown` when nothing decided it (no record, no opt-out).
with

consent_records as (
    select * from {{ ref('int_consent_records_resolved') }}
),

email_opt_outs as (
    select * from {{ ref('int_email_opt_outs') }}
),

consent_purposes as (
    select * from {{ ref('consent_purposes') }}
),

lead_windows as (
    select * from {{ ref('int_lead_activity_aggregated') }}
),

email_marketing as (
    select * from consent_purposes
    where purpose = 'email_marketing'
),

window_records as (
    select
        lead_windows.lead_id,
        consent_records.purpose,
        consent_records.is_granted,
        consent_records.recorded_at
    from lead_windows
    inner join consent_records
        on
            lead_windows.lead_id = consent_records.subject_id
            and lead_windows.activity_window_end_at > consent_records.recorded_at
    where consent_records.subject_type = 'lead'
),

window_opt_outs as (
    select
        lead_windows.lead_id,
        email_opt_outs.opted_out_at
    from lead_windows
    inner join email_opt_outs
        on
            lead_windows.lead_id = email_opt_outs.subject_id
            and lead_windows.activity_window_end_at > email_opt_outs.opted_out_at
    where email_opt_outs.subject_type = 'lead'
),

in_force as (
    {{ consent_in_force(
        records='window_records',
        opt_outs='window_opt_outs',
        purposes='email_marketing',
        keys=['lead_id'],
        spine='lead_windows'
    ) }}
)

select
    ---------- ids
    lead_windows.lead_id,
    ---------- strings
    case
        when in_force.decided_by = 'no_record' then 'unknown'
        when in_force.is_granted then 'granted'
        else 'withdrawn'
    end as email_consent_state,
    in_force.decided_by as email_consent_decided_by,
    ---------- timestamps
    case in_force.decided_by
        when 'consent_record' then in_force.consent_recorded_at
        when 'email_opt_out' then in_force.email_opted_out_at
    end as email_consent_recorded_at,
    lead_windows.activity_window_end_at
from lead_windows
inner join in_force
    on lead_windows.lead_id = in_force.lead_id
