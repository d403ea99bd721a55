-- The exact additive relations among an indicator's cells that could recompute a hidden numerator, one
-- row per member: per indicator and period, a group is the total of an area and the parts below it
-- (dim_area.parts_relation). Secondary suppression (fct_indicator_values) and the gate's attack
-- (expectations/suites.py) work on these groups.
--   'sum' (the Ruhr = its 15 Kreise, a Kreis = its Gemeinden): always an equation, also where a total the
--   source delivers differs from its parts' sum (a stale download is an error, not a protection).
--   'separate_count' (a city = its small areas): an equation only where the numerators add up exactly,
--   or where one of them is unknown to the platform (withheld by the source: assumed to add up). Where
--   they do not, total minus the published parts is only an estimate of a hidden small area, off by the
--   difference of the city's register from the official total (in the sample 0.3-1.2 % of a city,
--   hundreds of people: far more than a count below the minimum); that is no equation here.
--   'incomplete' (NRW, Deutschland): only the Ruhr of NRW is listed, no equation.
-- The total is the area's own cell. A kreisfreie Stadt is one territory as Kreis and as Gemeinde: where
-- the indicator has no Gemeinde row (e.g. Ausländeranteil), its Kreis row is the total above the small
-- areas. A total without any row is a member all the same (an attacker can add up its parts). A part
-- without a row is left out: the group then claims more than holds, so it protects more, never less.
-- A group of a period reads only that period's numerators, and a numerator changes only in a period whose
-- deliveries changed: incremental by delivery without widening (macros/incremental_by_delivery.sql).
{{ config(
    materialized='incremental', incremental_strategy='changed_periods', period_column='period',
    whole_when_changed=['dim_area', 'dim_indicator', 'stg_registry__series_breaks'],
    post_hook="{{ record_deliveries() }}"
) }}
-- depends_on: {{ ref('dim_indicator') }} {{ ref('stg_registry__series_breaks') }}

with cells as (
    select indicator_id, area_id, period, numerator from {{ ref('int_indicator_values') }}
    where {{ in_periods('period', changed_periods()) }}
),

areas as (
    select area_id, level, parent_id, parts_relation from {{ ref('dim_area') }}
),

same_territory as (
    select kreise.area_id as kreis_id, any_value(gemeinden.area_id) as gemeinde_id
    from areas as kreise
    inner join areas as gemeinden on gemeinden.parent_id = kreise.area_id
    where kreise.level = 'kreis'
    group by kreise.area_id
    having count(*) = 1
),

-- A city's small areas form one group per level (its Stadtbezirke, its Stadtteile: two partitions of
-- the same city, each adding up to it on its own), keyed '<AGS>/<level>'; a sum group is keyed by its area.
parts as (
    select
        cells.indicator_id,
        cells.period,
        case
            when parents.parts_relation = 'separate_count' then areas.parent_id || '/' || areas.level
            else areas.parent_id
        end as group_area_id,
        areas.parent_id as total_of,
        cells.area_id,
        cells.numerator,
        parents.parts_relation
    from cells
    inner join areas on cells.area_id = areas.area_id
    inner join areas as parents on areas.parent_id = parents.area_id
    where parents.parts_relation in ('sum', 'separate_count')
),

groups as (
    select
        indicator_id,
        period,
        group_area_id,
        total_of,
        any_value(parts_relation) as parts_relation,
        sum(numerator) as parts_sum,
        bool_or(numerator is null) as part_unknown
    from parts
    group by all
),

totals as (
    select
        groups.*,
        coalesce(own.area_id, kreis.area_id, groups.total_of) as total_area_id,
        coalesce(own.numerator, kreis.numerator) as total_numerator
    from groups
    left join cells as own
        on own.indicator_id = groups.indicator_id
        and own.period = groups.period
        and own.area_id = groups.total_of
    left join same_territory on same_territory.gemeinde_id = groups.total_of
    left join cells as kreis
        on own.area_id is null
        and kreis.indicator_id = groups.indicator_id
        and kreis.period = groups.period
        and kreis.area_id = same_territory.kreis_id
),

equations as (
    select * from totals
    where parts_relation = 'sum' or part_unknown or total_numerator is null or total_numerator = parts_sum
)

select indicator_id, period, group_area_id, total_area_id as area_id, true as is_total, parts_relation
from equations

union all

select parts.indicator_id, parts.period, parts.group_area_id, parts.area_id, false, parts.parts_relation
from parts
inner join equations using (indicator_id, period, group_area_id)
