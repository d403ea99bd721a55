-- Where an indicator's series changes method: for every value, the method of each source it is computed
-- from (series_basis, e.g. "Zensusbasis: Zensus 2022") and whether the value is compared across a change
-- the registry declares (ingest/sources.yml `series_breaks` and `rounding`, in the raw store as
-- registry.series_breaks).
--   A value "crosses" a break when the break's first date lies after the period it is compared with and
--   at or before its own period: for change_5_years the Stichtag five years earlier (the value itself
--   compares across the break), otherwise the area's previous period of the same indicator (its change
--   against that period, which the plausibility check reads, does). The first period of a series crosses
--   nothing.
with indicator_values as (
    select
        indicator_values.indicator_id,
        indicator_values.area_id,
        indicator_values.period,
        case
            when catalog.calculation = 'change_5_years' then (indicator_values.period - interval 5 year)::date
            else lag(indicator_values.period) over (
                partition by indicator_values.indicator_id, indicator_values.area_id
                order by indicator_values.period
            )
        end as compared_with,
        concat_ws('|', indicator_values.numerator_source_id, indicator_values.denominator_source_id)
            as source_ids
    from {{ ref('int_indicator_values') }} as indicator_values
    inner join {{ ref('dim_indicator') }} as catalog using (indicator_id)
),

value_sources as (
    select distinct indicator_id, area_id, period, compared_with, unnest(string_split(source_ids, '|')) as source_id
    from indicator_values
),

breaks as (
    select * from {{ ref('stg_registry__series_breaks') }}
),

crossed as (
    select
        value_sources.indicator_id,
        value_sources.area_id,
        value_sources.period,
        string_agg(
            distinct breaks.aspect || ' ab ' || strftime(breaks.ab, '%d.%m.%Y') || ': ' || breaks.before
                || ' → ' || breaks.after || '. ' || breaks.note,
            ' ' order by breaks.aspect || ' ab ' || strftime(breaks.ab, '%d.%m.%Y') || ': ' || breaks.before
                || ' → ' || breaks.after || '. ' || breaks.note
        ) as series_break_note
    from value_sources
    inner join breaks
        on breaks.source_id = value_sources.source_id
        and breaks.ab > value_sources.compared_with
        and breaks.ab <= value_sources.period
    group by all
),

-- each aspect's state at the period: after the newest break at or before it, else before the first
states as (
    select
        value_sources.indicator_id,
        value_sources.area_id,
        value_sources.period,
        breaks.aspect,
        coalesce(
            max_by(breaks.after, breaks.ab) filter (where breaks.ab <= value_sources.period),
            min_by(breaks.before, breaks.ab)
        ) as state
    from value_sources
    inner join breaks on breaks.source_id = value_sources.source_id
    group by all
),

bases as (
    select
        indicator_id,
        area_id,
        period,
        string_agg(distinct aspect || ': ' || state, '; ' order by aspect || ': ' || state) as series_basis
    from states
    group by all
)

select
    indicator_values.indicator_id,
    indicator_values.area_id,
    indicator_values.period,
    bases.series_basis,
    crossed.series_break_note is not null as series_break,
    crossed.series_break_note
from indicator_values
left join bases using (indicator_id, area_id, period)
left join crossed using (indicator_id, area_id, period)
