-- The class bounds of the seed social_index_classes cover the whole line without gap or overlap:
-- per component, ranked classes where each lower bound is the previous class's upper bound, the
-- first open below and the last open above. Rows returned = violations.
with ranked as (
    select
        *,
        lag(upper_bound) over (partition by component order by class_rank) as previous_upper,
        row_number() over (partition by component order by class_rank) as position,
        count(*) over (partition by component) as classes
    from {{ ref('social_index_classes') }}
)

select *
from ranked
where (position = 1 and lower_bound is not null)
    or (position > 1 and lower_bound is distinct from previous_upper)
    or (position = classes and upper_bound is not null)
    or (position < classes and (upper_bound is null or upper_bound <= coalesce(lower_bound, upper_bound - 1)))
