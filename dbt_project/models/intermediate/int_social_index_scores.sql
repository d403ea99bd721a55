-- The social index for every variant of its weights, per component (status, dynamik), area level,
-- area and period. mart_social_area_index publishes the seed's weights (varied_indicator empty),
-- mart_social_index_robustness compares the varied weights with them. The method follows the
-- Berlin Monitoring Soziale Stadtentwicklung (status and dynamics of a few non-overlapping shares,
-- standardised, classes by standard deviations from the mean); README "The social index" cites it.
--   input    status: the indicator's published value for the period; dynamik: its change in
--            percentage points since the same day social_index_dynamik_years earlier (no published
--            value then, or the area did not exist yet: no change, that indicator is absent).
--            Only the Gemeinden and the cities' small-area levels, each level on its own; only areas
--            with at least social_index_min_population inhabitants; suppressed values are absent.
--   z        per component, indicator, level and period: (input - mean) / standard deviation
--            (sample) over all Ruhr areas of that level, turned by the catalog's polarity so that a
--            higher z always means more burden (or a worsening).
--   raw      the weighted mean of the z the area has (weights divided by the sum of those present);
--            used only when those indicators carry social_index_min_weight_share of the weight.
--   index    raw standardised again over the areas of the level (mean 0, standard deviation 1), so
--            that the class bounds (seed social_index_classes) are standard deviations of the index
--            itself; empty when fewer than social_index_min_areas areas of the level have a raw value.
--   class    the seed's absolute bounds, lower_bound <= index < upper_bound: not quantiles, so a
--            class may stay empty and the classes differ in size.
-- Variants: the seed's weights (varied_indicator null, weight_factor 1) and, per component and
-- indicator, that one weight times 1 - and 1 + social_index_weight_variation, the others unchanged
-- (renormalised by the weighted mean).
{{ config(materialized='table') }}

{% set variation = var('social_index_weight_variation') %}

with weights as (
    select weights.component, weights.indicator_id, weights.weight, catalog.polarity
    from {{ ref('social_index_weights') }} as weights
    inner join {{ ref('dim_indicator') }} as catalog using (indicator_id)
),

areas as (
    select area_id, level
    from {{ ref('dim_area') }}
    where level = 'gemeinde' or level in {{ small_area_levels() }}
),

indicator_values as (
    select fct.indicator_id, fct.area_id, areas.level, fct.period, fct.value
    from {{ ref('fct_indicator_values') }} as fct
    inner join areas using (area_id)
    where fct.indicator_id in (select indicator_id from weights) and fct.value is not null
),

inputs as (
    select 'status' as component, indicator_id, area_id, level, period, value as input
    from indicator_values
    union all
    select 'dynamik' as component, now.indicator_id, now.area_id, now.level, now.period, now.value - before.value
    from indicator_values as now
    inner join indicator_values as before
        on before.indicator_id = now.indicator_id
        and before.area_id = now.area_id
        and before.period = (now.period - interval {{ var('social_index_dynamik_years') }} year)::date
),

population as (
    select area_id, period, value as inhabitants
    from {{ ref('int_measures') }}
    where measure_id = 'bev_insgesamt' and value is not null
),

-- the inhabitants at the last Stichtag at or before the period (a BA month: the 31.12. before it)
with_population as (
    select inputs.*, population.inhabitants
    from inputs
    asof inner join population on inputs.area_id = population.area_id and inputs.period >= population.period
),

standardised as (
    select
        with_population.component,
        with_population.indicator_id,
        with_population.area_id,
        with_population.level,
        with_population.period,
        (input - avg(input) over per_level) / nullif(stddev_samp(input) over per_level, 0)
            * case when weights.polarity = 'higher_is_better' then -1 else 1 end as z
    from with_population
    inner join weights using (component, indicator_id)
    where with_population.inhabitants >= {{ var('social_index_min_population') }}
    window per_level as (partition by with_population.component, with_population.indicator_id,
                                      with_population.level, with_population.period)
),

variants as (
    select distinct component, null::varchar as varied_indicator, 1.0::double as weight_factor
    from weights
    union all
    select component, indicator_id, 1 + direction * {{ variation }}
    from weights
    cross join (values (-1), (1)) as directions (direction)
),

variant_weights as (
    select
        variants.component,
        variants.varied_indicator,
        variants.weight_factor,
        weights.indicator_id,
        weights.weight * case when weights.indicator_id = variants.varied_indicator then variants.weight_factor else 1 end
            as weight,
        sum(weights.weight * case when weights.indicator_id = variants.varied_indicator then variants.weight_factor else 1 end)
            over (partition by variants.component, variants.varied_indicator, variants.weight_factor) as total_weight
    from variants
    inner join weights using (component)
),

weighted as (
    select
        standardised.component,
        variant_weights.varied_indicator,
        variant_weights.weight_factor,
        standardised.area_id,
        standardised.level,
        standardised.period,
        sum(variant_weights.weight * standardised.z) / sum(variant_weights.weight) as raw_index,
        sum(variant_weights.weight) / any_value(variant_weights.total_weight) as weight_covered,
        count(*) as indicators_used
    from standardised
    inner join variant_weights using (component, indicator_id)
    where standardised.z is not null
    group by all
),

restandardised as (
    select
        *,
        count(comparable) over peers as areas_compared,
        (comparable - avg(comparable) over peers) / nullif(stddev_samp(comparable) over peers, 0) as z_index
    from (
        select
            *,
            case when weight_covered >= {{ var('social_index_min_weight_share') }} - 1e-9 then raw_index end
                as comparable
        from weighted
    )
    window peers as (partition by component, varied_indicator, weight_factor, level, period)
),

indexed as (
    select
        * exclude (comparable, z_index),
        case when areas_compared >= {{ var('social_index_min_areas') }} then round(z_index, 3) end as index_value
    from restandardised
)

select
    indexed.*,
    classes.class_rank,
    classes.class_label
from indexed
left join {{ ref('social_index_classes') }} as classes
    on classes.component = indexed.component
    and (classes.lower_bound is null or indexed.index_value >= classes.lower_bound)
    and (classes.upper_bound is null or indexed.index_value < classes.upper_bound)
