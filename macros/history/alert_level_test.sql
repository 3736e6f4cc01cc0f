{#-
    alert_level: the monitoring alert of a mart with a level column (`ok`, `warn`, `error`, set from the
    thresholds in vars: drift_psi_*, stability_ari_*, segment_share_change_warn). The test returns the
    rows at `warn` or `error` (with `store_failures` they are kept for review); it warns when there is a
    `warn` row and errors when there is an `error` row: its failure count is the highest level found
    (1 = warn, 2 = error), compared by warn_if (>= 1) and error_if (>= 2). `severity: warn` (e.g. from a
    var) caps it at a warning. Restrict it to the current build with `config: {where: is_current_build}`.
        data_tests: [{alert_level: {config: {where: is_current_build}}}]   (on the level column)
-#}
{% test alert_level(model, column_name) %}
{{ config(fail_calc='coalesce(max(alert_rank), 0)', warn_if='>=1', error_if='>=2') }}
select
    *,
    case {{ column_name }} when 'error' then 2 when 'warn' then 1 end as alert_rank
from {{ model }}
where {{ column_name }} in ('warn', 'error')
{% endtest %}
