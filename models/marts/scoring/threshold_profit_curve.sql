-- Expected profit per contact threshold for each scoring model (seed scoring_economics); the chosen
-- threshold maximises it
with

profit_curves as (
    select * from {{ ref('scoring_profit_curves') }}
)

select
    model_name,
    threshold,
    contacted,
    expected_conversions,
    expected_profit,
    precision,
    recall,
    is_chosen
from profit_curves
