-- One row per indicator x area x period, after disclosure control, with the method of its sources and
-- whether it is compared across a declared series break (int_indicator_series).
-- Secondary suppression: in every group of areas below one parent (Gemeinden of a Kreis, small
-- areas of a city, Kreise of the region) where exactly one is suppressed while others are published,
-- the published sibling with the smallest numerator is suppressed too, so that the hidden value
-- cannot be recomputed as the parent's numerator minus the published siblings'.
with primary_suppressed as (
    select values.*, areas.parent_id
    from {{ ref('int_indicator_values') }} as values
    inner join {{ ref('dim_area') }} as areas on values.area_id = areas.area_id
),

siblings as (
    select
        *,
        count(*) filter (where status = 'suppressed')
            over (partition by indicator_id, period, parent_id) as suppressed_siblings,
        row_number() over (
            partition by indicator_id, period, parent_id, status in ('ok', 'provisional')
            order by numerator, area_id
        ) as smallest_first
    from primary_suppressed
    where parent_id is not null
),

secondary as (
    select indicator_id, area_id, period
    from siblings
    where suppressed_siblings = 1 and status in ('ok', 'provisional') and smallest_first = 1
),

final as (
    select
        primary_suppressed.* exclude (status, suppression, parent_id),
        case when secondary.area_id is not null then 'suppressed' else primary_suppressed.status end as status,
        case when secondary.area_id is not null then 'secondary' else primary_suppressed.suppression end
            as suppression
    from primary_suppressed
    left join secondary using (indicator_id, area_id, period)
)

select
    final.indicator_id,
    final.area_id,
    final.period,
    case when final.status <> 'suppressed' then final.numerator end as numerator,
    final.numerator_origin,
    final.denominator,
    case when final.status in ('ok', 'provisional') then final.value end as value,
    final.status,
    final.suppression,
    final.source_files,
    series.series_basis,
    coalesce(series.series_break, false) as series_break,
    series.series_break_note
from final
left join {{ ref('int_indicator_series') }} as series using (indicator_id, area_id, period)
