-- One row per indicator x area x period: numerator and denominator from the catalog's measures,
-- the value computed from them (never averaged from rates), and a status that says why a value is
-- absent. A numerator below the catalog's disclosure minimum is published as suppressed.
with catalog as (
    select * from {{ ref('dim_indicator') }}
),

measures as (
    select * from {{ ref('int_bevoelkerung_measures') }}
),

areas as (
    select * from {{ ref('dim_area') }}
),

paired as (
    select
        catalog.indicator_id,
        numerator.area_id,
        numerator.period,
        numerator.value as numerator,
        denominator.value as denominator,
        catalog.unit_factor,
        catalog.decimals,
        catalog.min_count,
        numerator.source_files
    from catalog
    inner join measures as numerator on numerator.measure_id = catalog.numerator_measure
    inner join measures as denominator
        on denominator.measure_id = catalog.denominator_measure
        and denominator.area_id = numerator.area_id
        and denominator.period = numerator.period
    inner join areas on numerator.area_id = areas.area_id
    where list_contains(catalog.area_levels, areas.level)
),

classified as (
    select
        *,
        case
            when numerator is null or denominator is null or denominator = 0 then 'missing'
            when numerator < min_count then 'suppressed'
            else 'ok'
        end as status
    from paired
)

select
    indicator_id,
    area_id,
    period,
    case when status = 'ok' then numerator end as numerator,
    denominator,
    case when status = 'ok' then round(numerator / denominator * unit_factor, decimals) end as value,
    status,
    source_files
from classified
