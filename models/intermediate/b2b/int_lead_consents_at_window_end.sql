-- One row per lead created before the current as-of date: its email-marketing consent state at the end
-- of its activity window (int_lead_activity_aggregated; never after the as-of date), the same point in
-- time as its activity features, so a consent given or withdrawn because the lead converted stays out.
-- State: the latest consent record for (lead, email_marketing) recorded before the window end (ties:
-- withdrawn first, the consent-in-force rule) gives `granted` or `withdrawn`; no record: `unknown`.
with

consents as (
    select * from {{ ref('stg_crm__consents') }}
),

lead_windows as (
    select * from {{ ref('int_lead_activity_aggregated') }}
),

lead_consents as (
    select
        subject_id as lead_id,
        is_granted,
        recorded_at
    from consents
    where subject_type = 'lead' and purpose = 'email_marketing'
),

consents_in_force as (
    select
        lead_windows.lead_id,
        lead_consents.is_granted,
        lead_consents.recorded_at
    from lead_windows
    inner join lead_consents
        on
            lead_windows.lead_id = lead_consents.lead_id
            and lead_windows.activity_window_end_at > lead_consents.recorded_at
    qualify {{ is_consent_in_force(['lead_windows.lead_id']) }}
)

select
    ---------- ids
    lead_windows.lead_id,
    ---------- strings
    case
        when consents_in_force.is_granted then 'granted'
        when not consents_in_force.is_granted then 'withdrawn'
        else 'unknown'
    end as email_consent_state,
    ---------- timestamps
    consents_in_force.recorded_at as email_consent_recorded_at,
    lead_windows.activity_window_end_at
from lead_windows
left join consents_in_force
    on lead_windows.lead_id = consents_in_force.lead_id
