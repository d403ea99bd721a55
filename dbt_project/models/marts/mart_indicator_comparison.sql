-- Each value beside its comparison values: the Ruhr and NRW value for the same indicator and period,
-- the rank among the areas of the same level (1 = highest value; for small areas among all cities'
-- small areas), the deviation from the Ruhr value, and the change against the previous period and
-- against five years before (in the indicator's unit: percentage points for shares).
with cells as (
    select values.*, areas.level
    from {{ ref('fct_indicator_values') }} as values
    inner join {{ ref('dim_area') }} as areas on values.area_id = areas.area_id
),

regional as (
    select indicator_id, period, value from cells where area_id = 'ruhr'
),

nrw as (
    select indicator_id, period, value from cells where area_id = '05'
),

ranked as (
    select
        *,
        case when value is not null then
            rank() over (partition by indicator_id, period, level, value is null order by value desc)
        end as rank_in_level,
        count(value) over (partition by indicator_id, period, level) as areas_in_level,
        lag(value) over (partition by indicator_id, area_id order by period) as previous_value,
        lag(period) over (partition by indicator_id, area_id order by period) as previous_period
    from cells
)

select
    ranked.indicator_id,
    ranked.area_id,
    ranked.level,
    ranked.period,
    ranked.value,
    ranked.status,
    regional.value as ruhr_value,
    nrw.value as nrw_value,
    ranked.rank_in_level,
    ranked.areas_in_level,
    round(ranked.value - regional.value, 2) as deviation_from_ruhr,
    ranked.previous_period,
    round(ranked.value - ranked.previous_value, 2) as change_previous_period,
    round(ranked.value - five_years.value, 2) as change_5_years
from ranked
left join regional using (indicator_id, period)
left join nrw using (indicator_id, period)
left join cells as five_years
    on five_years.indicator_id = ranked.indicator_id
    and five_years.area_id = ranked.area_id
    and five_years.period = (ranked.period - interval 5 year)::date
