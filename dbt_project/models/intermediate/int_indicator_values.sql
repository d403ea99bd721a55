-- Each catalog indicator for every area of its levels and every period its numerator exists:
-- numerator and denominator paired by the catalog's rules, the value computed from them (never
-- averaged from rates), and primary disclosure control. Secondary suppression follows in the mart.
--   numerator_origin: where the numerator comes from (int_measures.origin): published (a source's
--   own figure for the area), summed (the sum of the published figures of its parts: Gemeinden to a
--   Kreis, Kreise to the Ruhr) or computed (from other measures, seed derived_measures, e.g. the
--   Mindestsicherung from its four benefits where table 22811 does not publish it)
--   primary suppression: numerator below min_count, or denominator below min_denominator. A numerator
--   the source printed as "-" (exactly nothing; also a sum of such zeros, see the published_zero
--   macro) is no small count but a fact the source publishes itself: hiding it protects nobody, so
--   it is exempt from min_count (not from min_denominator: 0 of 15 children still says something
--   about each of the 15).
--   denominator_period: same_period | latest_population_stichtag (the last 31.12. at or before the
--   period: Kita 01.03.2024 -> 31.12.2023) | five_years_earlier (Bevölkerungsentwicklung)
-- Incremental by delivery (macros/incremental_by_delivery.sql): a night recomputes the periods of new, replaced
-- or removed files and every period whose denominator Stichtag is one of them.
{{ config(
    materialized='incremental', incremental_strategy='changed_periods', period_column='period',
    widen_periods=['denominator_date'], periods_of='int_measures',
    whole_when_changed=['dim_area', 'dim_indicator', 'stg_registry__series_breaks'],
    post_hook="{{ record_deliveries() }}"
) }}
-- depends_on: {{ ref('stg_registry__series_breaks') }}

with catalog as (
    select * from {{ ref('dim_indicator') }}
),

measures as (
    select * from {{ ref('int_measures') }}
),

numerators as (
    select
        catalog.*,
        measures.area_id,
        measures.period,
        measures.value as numerator_value,
        measures.status as numerator_status,
        case measures.origin
            when 'delivered' then 'published'
            when 'summed' then 'summed'
            when 'derived' then 'computed'
        end as numerator_origin,
        measures.published_zero as numerator_published_zero,
        measures.source_files,
        measures.source_id as numerator_source_id,
        {{ denominator_date('measures.period', 'catalog.denominator_period') }} as denominator_date
    from catalog
    inner join measures on measures.measure_id = catalog.numerator_measure
    inner join {{ ref('dim_area') }} as areas on measures.area_id = areas.area_id
    where list_contains(catalog.area_levels, areas.level)
        and {{ in_periods('measures.period', periods_to_recompute()) }}
),

paired as (
    select
        numerators.*,
        denominators.value as denominator_value,
        denominators.status as denominator_status,
        denominators.source_files as denominator_source_files,
        denominators.source_id as denominator_source_id
    from numerators
    left join measures as denominators
        on denominators.measure_id = numerators.denominator_measure
        and denominators.area_id = numerators.area_id
        and denominators.period = numerators.denominator_date
),

classified as (
    select
        *,
        case
            when numerator_status = 'suppressed' then 'source'
            when numerator_status = 'missing' or numerator_value is null then null
            when calculation <> 'count' and (denominator_value is null or denominator_value = 0) then null
            when numerator_value < min_count and not numerator_published_zero then 'primary'
            when calculation <> 'count' and denominator_value < min_denominator then 'primary'
        end as suppression
    from paired
)

select
    indicator_id,
    area_id,
    period,
    numerator_value as numerator,
    numerator_origin,
    denominator_value as denominator,
    case calculation
        when 'count' then numerator_value::double
        when 'ratio' then round(numerator_value / denominator_value * unit_factor, decimals)
        when 'change_5_years' then round((numerator_value - denominator_value) / denominator_value * unit_factor, decimals)
    end as value,
    case
        when suppression is not null then 'suppressed'
        when numerator_value is null or (calculation <> 'count' and coalesce(denominator_value, 0) = 0) then 'missing'
        when numerator_status = 'provisional' or denominator_status = 'provisional' then 'provisional'
        else 'ok'
    end as status,
    suppression,
    numerator_published_zero as published_zero,
    concat_ws(', ', source_files, case when denominator_source_files <> source_files then denominator_source_files end)
        as source_files,
    numerator_source_id,
    denominator_source_id
from classified
