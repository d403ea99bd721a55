-- How much the social index's classes depend on its weights: for each weight of the seed
-- social_index_weights varied by -/+ social_index_weight_variation (the others unchanged, the
-- weighted mean renormalises), per component, level and period, how many areas fall into another
-- class than with the seed's weights. Computed by the same model as the index
-- (int_social_index_scores), so nothing but the weight differs. A few changes say the classes are
-- robust; many say the boundaries cut through a dense part of the distribution.
with scores as (
    select * from {{ ref('int_social_index_scores') }}
),

basis as (
    select * from scores where varied_indicator is null
),

varied as (
    select * from scores where varied_indicator is not null
)

select
    varied.component,
    varied.level,
    varied.period,
    varied.varied_indicator,
    varied.weight_factor,
    count(*) filter (where basis.class_label is not null and varied.class_label is not null) as areas_classified,
    count(*) filter (
        where basis.class_label is not null and varied.class_label is not null
            and basis.class_label <> varied.class_label
    ) as areas_changed,
    count(*) filter (where (basis.class_label is null) <> (varied.class_label is null)) as areas_classified_once,
    round(
        count(*) filter (
            where basis.class_label is not null and varied.class_label is not null
                and basis.class_label <> varied.class_label
        ) / nullif(count(*) filter (where basis.class_label is not null and varied.class_label is not null), 0) * 100,
        1
    ) as percent_changed
from varied
inner join basis
    on basis.component = varied.component
    and basis.area_id = varied.area_id
    and basis.period = varied.period
group by all
