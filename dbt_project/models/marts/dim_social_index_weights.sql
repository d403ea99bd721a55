-- The weights of the social index this version was built with (seed social_index_weights), with the
-- indicator's name and the index indicator of the Berlin MSS it stands for: published beside
-- mart_social_area_index so that an analyst (and the atlas's method page) reads the index together
-- with how it was weighted. weight_share is the weight over its component's total.
select
    weights.component,
    weights.indicator_id,
    catalog.name as indicator_name,
    weights.mss_indicator,
    weights.weight,
    round(weights.weight / sum(weights.weight) over (partition by weights.component), 4) as weight_share
from {{ ref('social_index_weights') }} as weights
inner join {{ ref('dim_indicator') }} as catalog using (indicator_id)
