-- The social index per area and period, on every level it is computed for (the 53 Gemeinden and each
-- small-area level a city delivers), each level compared only within itself: a status index (how
-- burdened an area is now) and a dynamics index (how that changed over social_index_dynamik_years
-- years), each with its class by absolute bounds and the overlay of both, as the Berlin Monitoring
-- Soziale Stadtentwicklung builds them. Method: int_social_index_scores (the seed's weights,
-- social_index_weights; the bounds, social_index_classes). One row for every area of a level in
-- every period the level has an index, so that an area left out shows why (note).
{% set min_population = var('social_index_min_population') %}
{% set min_areas = var('social_index_min_areas') %}
{% set min_share = (var('social_index_min_weight_share') * 100) | int %}
{% set years = var('social_index_dynamik_years') %}

with scores as (
    select * from {{ ref('int_social_index_scores') }} where varied_indicator is null
),

level_periods as (
    select distinct level, period from scores where component = 'status'
),

rows as (
    select areas.area_id, areas.name as area_name, areas.level, areas.parent_id, level_periods.period
    from {{ ref('dim_area') }} as areas
    inner join level_periods on level_periods.level = areas.level
    -- a small area only while its city delivers it
    where areas.valid_from is null
        or level_periods.period between areas.valid_from and coalesce(areas.valid_to, level_periods.period)
),

population as (
    select area_id, period, value as inhabitants
    from {{ ref('int_measures') }}
    where measure_id = 'bev_insgesamt' and value is not null
),

with_population as (
    select rows.*, population.inhabitants
    from rows
    asof left join population on rows.area_id = population.area_id and rows.period >= population.period
),

status as (select * from scores where component = 'status'),

dynamik as (select * from scores where component = 'dynamik')

select
    with_population.area_id,
    with_population.area_name,
    with_population.level,
    case when with_population.level = 'gemeinde' then with_population.area_id else with_population.parent_id end
        as gemeinde_ags,
    with_population.period,
    with_population.inhabitants,
    status.index_value as status_index,
    status.class_label as status_class,
    status.class_rank as status_class_rank,
    dynamik.index_value as dynamik_index,
    dynamik.class_label as dynamik_class,
    dynamik.class_rank as dynamik_class_rank,
    case when status.class_label is not null and dynamik.class_label is not null
        then status.class_label || ' / ' || dynamik.class_label end as status_dynamik,
    (with_population.period - interval {{ years }} year)::date as dynamik_base_period,
    coalesce(status.indicators_used, 0) as status_indicators,
    round(coalesce(status.weight_covered, 0), 3) as status_weight_covered,
    coalesce(dynamik.indicators_used, 0) as dynamik_indicators,
    round(coalesce(dynamik.weight_covered, 0), 3) as dynamik_weight_covered,
    status.areas_compared,
    case
        when with_population.inhabitants is null
            then 'Einwohnerzahl fehlt: nicht bewertet'
        when with_population.inhabitants < {{ min_population }}
            then 'weniger als {{ min_population }} Einwohner: nicht bewertet'
        when status.areas_compared < {{ min_areas }}
            then 'Statusindex fehlt: weniger als {{ min_areas }} Gebiete der Ebene zum Vergleich'
        when status.index_value is null
            then 'Statusindex fehlt: Indikatoren mit weniger als {{ min_share }} % des Gewichts'
        when dynamik.areas_compared < {{ min_areas }}
            then 'Dynamikindex fehlt: weniger als {{ min_areas }} Gebiete der Ebene zum Vergleich'
        when dynamik.index_value is null
            then 'Dynamikindex fehlt: Veränderung seit dem '
                 || strftime((with_population.period - interval {{ years }} year)::date, '%d.%m.%Y')
                 || ' nur für Indikatoren mit weniger als {{ min_share }} % des Gewichts'
    end as note
from with_population
left join status on status.area_id = with_population.area_id and status.period = with_population.period
left join dynamik on dynamik.area_id = with_population.area_id and dynamik.period = with_population.period
