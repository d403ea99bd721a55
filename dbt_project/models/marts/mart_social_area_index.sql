-- A composite social-burden index per small area and period ("Ungleiches ungleich behandeln").
-- Method: each indicator of the seed social_index_weights is standardised across all small areas
-- of the period (z = (value - mean) / standard deviation), turned so that higher always means more
-- burden (catalog polarity), and averaged with the seed's weights. An area needs values for
-- indicators carrying at least 75 % of the weight (weights are renormalised over those present);
-- otherwise its index is empty. Classes are quintiles of the index within the period: 1 = least,
-- 5 = most burdened.
with weights as (
    select weights.indicator_id, weights.weight, catalog.polarity
    from {{ ref('social_index_weights') }} as weights
    inner join {{ ref('dim_indicator') }} as catalog using (indicator_id)
),

small_area_values as (
    select values.indicator_id, values.area_id, values.period, values.value
    from {{ ref('fct_indicator_values') }} as values
    inner join {{ ref('dim_area') }} as areas on values.area_id = areas.area_id
    where areas.level = 'stadtbezirk'
),

standardised as (
    select
        small_area_values.*,
        weights.weight,
        (value - avg(value) over per_period) / nullif(stddev_samp(value) over per_period, 0)
            * case when weights.polarity = 'higher_is_better' then -1 else 1 end as z
    from small_area_values
    inner join weights using (indicator_id)
    where value is not null
    window per_period as (partition by indicator_id, period)
),

per_area as (
    select
        area_id,
        period,
        sum(weight * z) / sum(weight) as index_value,
        sum(weight) / (select sum(weight) from weights) as weight_covered,
        count(*) as indicators_used
    from standardised
    group by all
),

scored as (
    select *, case when weight_covered >= 0.75 then round(index_value, 3) end as social_index
    from per_area
)

select
    scored.area_id,
    areas.name as area_name,
    areas.parent_id as gemeinde_ags,
    scored.period,
    scored.social_index,
    case when scored.social_index is not null then
        ntile(5) over (partition by scored.period, scored.social_index is null order by scored.social_index)
    end as index_class,
    scored.indicators_used,
    round(scored.weight_covered, 3) as weight_covered
from scored
inner join {{ ref('dim_area') }} as areas on scored.area_id = areas.area_id
