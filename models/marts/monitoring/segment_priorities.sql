-- The segment priority matrix: every cluster segment of this build scored 1-5 on each criterion of
-- the seed segment_priority_criteria, the weighted global score and the rank (1 = work it first).
-- Measured per segment: segment_size = customers; expected_conversion = mean purchase-propensity
-- probability of the members; member_value = mean monetary_total of the members; ease_of_access = share of
-- members an audience can reach: consent in force (int_consents_in_force, the project's one consent rule)
-- for the activation purpose (var activation_default_consent_purpose); strategic_fit = the score of the
-- segment's name in the seed segment_strategic_fit.
-- Scoring (seed column `scoring`): quintile = 1..5 by quintile of the measured value across the
-- segments (macro quintile_score: equal values, equal scores; `direction` -1 when less is better);
-- cut_points = 1 + the number of the seed's cut points at or below the value (5 minus that number for
-- direction -1); as_is = the value itself (already 1-5). A criterion without a value for a segment
-- takes the seed's default_score, else it is missing: the global score is the weighted mean of the
-- criteria scored, their weights renormalized, and missing_criteria lists the others.
-- Ties: equal global scores share a rank (rank(), the next rank skipped).
with

segment_profiles as (
    select * from {{ ref('segment_profiles') }}
),

customer_segments as (
    select * from {{ ref('customer_segments') }}
),

customer_features as (
    select * from {{ ref('customer_features') }}
),

customer_propensity_scores as (
    select * from {{ ref('customer_propensity_scores') }}
),

consents_in_force as (
    select * from {{ ref('int_consents_in_force') }}
    where subject_type = 'customer' and purpose = '{{ var("activation_default_consent_purpose") }}'
),

criteria as (
    select * from {{ ref('segment_priority_criteria') }}
),

strategic_fit as (
    select * from {{ ref('segment_strategic_fit') }}
),

member_measures as (
    select
        customer_segments.segment_id,
        {{ exact_avg('customer_propensity_scores.probability') }} as expected_conversion,
        {{ decimal_avg("customer_features.monetary_total") }} as member_value,
        avg(cast(coalesce(consents_in_force.is_granted, false) as double)) as ease_of_access
    from customer_segments
    inner join customer_features
        on customer_segments.customer_id = customer_features.customer_id
    left join customer_propensity_scores
        on customer_segments.customer_id = customer_propensity_scores.customer_id
    left join consents_in_force
        on customer_segments.customer_id = consents_in_force.subject_id
    group by customer_segments.segment_id
),

segment_measures as (
    select
        segment_profiles.segment_id,
        segment_profiles.segment_name,
        cast(segment_profiles.customers as double) as segment_size,
        member_measures.expected_conversion,
        cast(member_measures.member_value as double) as member_value,
        member_measures.ease_of_access,
        cast(strategic_fit.fit_score as double) as strategic_fit
    from segment_profiles
    left join member_measures
        on segment_profiles.segment_id = member_measures.segment_id
    left join strategic_fit
        on segment_profiles.segment_name = strategic_fit.segment_name
),

measures as (
    select
        segment_id,
        criterion,
        measured_value
    from segment_measures
    unpivot include nulls (
        measured_value for criterion in (segment_size, expected_conversion, member_value, ease_of_access, strategic_fit)
    )
),

measured as (
    select
        segment_measures.segment_id,
        criteria.criterion,
        criteria.weight,
        criteria.scoring,
        criteria.direction,
        criteria.cut_point_1,
        criteria.cut_point_2,
        criteria.cut_point_3,
        criteria.cut_point_4,
        criteria.default_score,
        measures.measured_value
    from segment_measures
    cross join criteria
    left join measures
        on
            segment_measures.segment_id = measures.segment_id
            and criteria.criterion = measures.criterion
),

scored as (
    select
        *,
        case
            when measured_value is null then default_score
            when scoring = 'quintile'
                then {{ quintile_score('direction * measured_value asc', 'criterion, measured_value is null') }}
            when scoring = 'cut_points'
                then
                    case when direction = 1 then 1 else 5 end
                    + direction * (
                        cast(measured_value >= cut_point_1 as integer)
                        + cast(measured_value >= cut_point_2 as integer)
                        + cast(measured_value >= cut_point_3 as integer)
                        + cast(measured_value >= cut_point_4 as integer)
                    )
            when scoring = 'as_is' then measured_value
        end as criterion_score
    from measured
),

weighted as (
    select
        segment_id,
        cast({{ exact_sum('weight * criterion_score') }} as double)
        / cast({{ exact_sum('weight') }} filter (where criterion_score is not null) as double) as priority_score,
        count(criterion_score) as criteria_scored,
        {{ ordered_string_agg('criterion', "', '", 'criterion') }} filter (where criterion_score is null)
            as missing_criteria,
        max(measured_value) filter (where criterion = 'segment_size') as segment_size,
        max(measured_value) filter (where criterion = 'expected_conversion') as expected_conversion,
        max(measured_value) filter (where criterion = 'member_value') as member_value,
        max(measured_value) filter (where criterion = 'ease_of_access') as ease_of_access,
        max(measured_value) filter (where criterion = 'strategic_fit') as strategic_fit,
        max(criterion_score) filter (where criterion = 'segment_size') as segment_size_score,
        max(criterion_score) filter (where criterion = 'expected_conversion') as expected_conversion_score,
        max(criterion_score) filter (where criterion = 'member_value') as member_value_score,
        max(criterion_score) filter (where criterion = 'ease_of_access') as ease_of_access_score,
        max(criterion_score) filter (where criterion = 'strategic_fit') as strategic_fit_score
    from scored
    group by segment_id
)

select
    ---------- ids
    segment_measures.segment_id,
    ---------- strings
    segment_measures.segment_name,
    weighted.missing_criteria,
    ---------- numerics
    cast(weighted.segment_size as bigint) as customers,
    weighted.expected_conversion,
    weighted.member_value,
    weighted.ease_of_access,
    cast(weighted.segment_size_score as integer) as segment_size_score,
    cast(weighted.expected_conversion_score as integer) as expected_conversion_score,
    cast(weighted.member_value_score as integer) as member_value_score,
    cast(weighted.ease_of_access_score as integer) as ease_of_access_score,
    cast(weighted.strategic_fit_score as integer) as strategic_fit_score,
    cast(weighted.criteria_scored as integer) as criteria_scored,
    weighted.priority_score,
    cast(rank() over (order by weighted.priority_score desc nulls last) as integer) as priority_rank
from segment_measures
inner join weighted
    on segment_measures.segment_id = weighted.segment_id
