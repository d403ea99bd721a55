-- Where the cities' small areas do not add up to the official total: per city, small-area level,
-- measure and period, the sum of the level's areas beside the official Gemeinde value (GENESIS
-- population, BA SGB II and Arbeitslose). Each level a city delivers covers the whole city, so each
-- is summed on its own. A city's register counts differ from the official Fortschreibung; planners
-- see how far.
with measures as (
    select * from {{ ref('int_measures') }}
),

small_area_sums as (
    select
        areas.parent_id as area_id,
        areas.level,
        measures.period,
        measures.measure_id,
        count(*) as small_areas,
        case when bool_and(measures.value is not null) then sum(measures.value)::bigint end as small_area_sum
    from measures
    inner join {{ ref('dim_area') }} as areas on measures.area_id = areas.area_id
    where areas.level in {{ small_area_levels() }}
    group by all
)

select
    small_area_sums.area_id,
    small_area_sums.level,
    small_area_sums.period,
    small_area_sums.measure_id,
    small_area_sums.small_areas,
    small_area_sums.small_area_sum,
    official.value as official_value,
    small_area_sums.small_area_sum - official.value as difference,
    round((small_area_sums.small_area_sum - official.value) / official.value * 100, 2) as difference_percent
from small_area_sums
inner join measures as official
    on official.area_id = small_area_sums.area_id
    and official.period = small_area_sums.period
    and official.measure_id = small_area_sums.measure_id
    and official.origin = 'delivered'
