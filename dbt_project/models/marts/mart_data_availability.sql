-- Which body delivered which indicator for which period, and what is missing or suppressed: one row
-- per indicator x Gemeinde or small area x period of the indicator, for the areas of the levels it
-- is defined for. `availability`: published (ok or provisional), suppressed (disclosure control),
-- missing (a count exists but the value cannot be computed), not_delivered (no count at all), late
-- (not delivered for the newest period although delivered for the one before).
with catalog as (
    select * from {{ ref('dim_indicator') }}
),

areas as (
    select * from {{ ref('dim_area') }} where level = 'gemeinde' or level in {{ small_area_levels() }}
),

values as (
    select * from {{ ref('fct_indicator_values') }}
),

periods as (
    select distinct indicator_id, period from values
),

expected as (
    select catalog.indicator_id, areas.area_id, areas.level, areas.parent_id, periods.period
    from catalog
    inner join periods on periods.indicator_id = catalog.indicator_id
    inner join areas
        on list_contains(catalog.area_levels, areas.level)
        -- small areas only in the cities that publish them, and only while they exist
        and (areas.level = 'gemeinde' or periods.period between areas.valid_from and coalesce(areas.valid_to, periods.period))
),

joined as (
    select
        expected.*,
        values.status,
        values.suppression,
        values.source_files,
        max(expected.period) over (partition by expected.indicator_id) as newest_period,
        lag(values.status) over (partition by expected.indicator_id, expected.area_id order by expected.period)
            as previous_status
    from expected
    left join values using (indicator_id, area_id, period)
)

select
    indicator_id,
    area_id,
    level,
    coalesce(kreise.kurzname, gemeinden_kreise.kurzname) as lieferant,
    period,
    case
        when status in ('ok', 'provisional') then 'published'
        when status = 'suppressed' then 'suppressed'
        when status = 'missing' then 'missing'
        when period = newest_period and previous_status is not null then 'late'
        else 'not_delivered'
    end as availability,
    status,
    suppression,
    source_files
from joined
left join {{ ref('ruhr_kreise') }} as kreise on left(joined.area_id, 5) = kreise.kreis_ags
left join {{ ref('ruhr_kreise') }} as gemeinden_kreise on left(joined.parent_id, 5) = gemeinden_kreise.kreis_ags
