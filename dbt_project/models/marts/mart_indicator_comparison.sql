-- Each value beside its comparison values: the Ruhr and NRW value for the same indicator and period,
-- the rank among the areas of the same level (1 = highest value; for small areas among all cities'
-- small areas), the deviation from the Ruhr value, and the change against the previous period and
-- against five years before (in the indicator's unit: percentage points for shares).
-- Incremental by delivery (macros/incremental_by_delivery.sql): the comparison values of a period are
-- of the same period, of the period before it in its series and of five years before. A value and a
-- status of fct_indicator_values change only in the periods of changed deliveries and those whose
-- denominator Stichtag is one of them (the rest of what it recomputes is its series columns, not read
-- here): those periods are recomputed, five years after them, and the period after each in its series.
{{ config(
    materialized='incremental', incremental_strategy='changed_periods', period_column='period',
    widen_periods=['denominator_date', 'five_years_later', 'next_value'], periods_of='fct_indicator_values',
    whole_when_changed=['dim_area', 'dim_indicator', 'stg_registry__series_breaks'],
    post_hook="{{ record_deliveries() }}"
) }}
-- depends_on: {{ ref('dim_indicator') }} {{ ref('stg_registry__series_breaks') }}
{%- set periods = periods_to_recompute() %}

with cells as (
    select values.*, areas.level
    from {{ ref('fct_indicator_values') }} as values
    inner join {{ ref('dim_area') }} as areas on values.area_id = areas.area_id
    where {{ in_periods('values.period', periods) }}
),

regional as (
    select indicator_id, period, value from cells where area_id = 'ruhr'
),

nrw as (
    select indicator_id, period, value from cells where area_id = '05'
),

-- the previous period of a series, read from every period
previous as (
    select
        indicator_id,
        area_id,
        period,
        lag(value) over (partition by indicator_id, area_id order by period) as previous_value,
        lag(period) over (partition by indicator_id, area_id order by period) as previous_period
    from {{ ref('fct_indicator_values') }}
    qualify {{ in_periods('period', periods) }}
),

ranked as (
    select
        cells.*,
        case when value is not null then
            rank() over (partition by indicator_id, period, level, value is null order by value desc)
        end as rank_in_level,
        count(value) over (partition by indicator_id, period, level) as areas_in_level,
        previous.previous_value,
        previous.previous_period
    from cells
    inner join previous using (indicator_id, area_id, period)
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
left join {{ ref('fct_indicator_values') }} as five_years
    on five_years.indicator_id = ranked.indicator_id
    and five_years.area_id = ranked.area_id
    and five_years.period = (ranked.period - interval 5 year)::date
