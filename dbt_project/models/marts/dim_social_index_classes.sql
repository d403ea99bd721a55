-- The absolute class bounds of the social index this version was built with (seed
-- social_index_classes): lower_bound <= index < upper_bound, in standard deviations of the level's
-- areas. Published beside mart_social_area_index, like the weights.
select component, class_rank, class_label, lower_bound, upper_bound, meaning
from {{ ref('social_index_classes') }}
