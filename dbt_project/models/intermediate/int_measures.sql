-- All measures per area x period: delivered ones, official levels a source does not publish summed
-- upward from the level below (Gemeinden -> Kreis, Kreise -> Region; counts, never rates), and
-- derived measures (seed derived_measures, e.g. Arbeitslose = SGB II + SGB III) wherever all their
-- components exist. Small areas are never summed into a Gemeinde: the city's official total comes
-- from the official source (mart_small_area_reconciliation shows how far the two differ).
-- A total the source delivers itself wins over the sum, so a Gemeinde the source withholds ("*")
-- hides neither its Kreis nor the Ruhr where the source publishes the Kreis total. published_zero
-- carries a source's "-" through every sum made only of such zeros (macro sum_of_parts).
-- Every row of a period follows from the deliveries of that period alone: incremental by delivery, a night
-- recomputes only the periods of new, replaced or removed files (macros/incremental_by_delivery.sql).
{{ config(
    materialized='incremental', incremental_strategy='changed_periods', period_column='period',
    post_hook="{{ record_deliveries() }}"
) }}

with delivered as (
    select 'delivered' as origin, * from {{ ref('int_measures__delivered') }}
    where {{ in_periods('period', changed_periods()) }}
),

gemeinden as (
    select ags, kreis_ags, count(*) over (partition by kreis_ags) as gemeinden_in_kreis
    from {{ ref('ruhr_gemeinden') }}
),

kreise_summed as (
    select
        gemeinden.kreis_ags as area_id,
        delivered.period,
        delivered.measure_id,
        {{ sum_of_parts('delivered.value', 'delivered.status', 'delivered.published_zero') }},
        {{ provenance_of_parts('delivered') }}
    from delivered
    inner join gemeinden on delivered.area_id = gemeinden.ags
    group by all
    having count(*) = any_value(gemeinden.gemeinden_in_kreis)
),

with_kreise as (
    select * from delivered
    union all by name
    select 'summed' as origin, * from kreise_summed
    where not exists (
        select 1 from delivered
        where delivered.area_id = kreise_summed.area_id
            and delivered.period = kreise_summed.period
            and delivered.measure_id = kreise_summed.measure_id
    )
),

region_summed as (
    select
        regionen.area_id,
        with_kreise.period,
        with_kreise.measure_id,
        {{ sum_of_parts('with_kreise.value', 'with_kreise.status', 'with_kreise.published_zero') }},
        {{ provenance_of_parts('with_kreise') }}
    from with_kreise
    inner join {{ ref('ruhr_kreise') }} as kreise on with_kreise.area_id = kreise.kreis_ags
    cross join {{ ref('regionen') }} as regionen
    group by all
    having count(*) = (select count(*) from {{ ref('ruhr_kreise') }})
),

counted as (
    select * from with_kreise
    union all by name
    select 'summed' as origin, * from region_summed
),

derived as (
    select
        'derived' as origin,
        counted.area_id,
        counted.period,
        recipe.measure_id,
        {{ sum_of_parts('counted.value', 'counted.status', 'counted.published_zero', 'recipe.sign') }},
        string_agg(distinct counted.source_files, ', ' order by counted.source_files) as source_files,
        string_agg(distinct counted.source_id, '|' order by counted.source_id) as source_id
    from counted
    inner join {{ ref('derived_measures') }} as recipe on counted.measure_id = recipe.component_measure
    group by counted.area_id, counted.period, recipe.measure_id
    having count(*) = (
        select count(*) from {{ ref('derived_measures') }} as components
        where components.measure_id = recipe.measure_id
    )
)

select * from counted
union all by name
select * from derived
where not exists (
    select 1 from counted
    where counted.area_id = derived.area_id
        and counted.period = derived.period
        and counted.measure_id = derived.measure_id
)
