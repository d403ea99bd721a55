-- Every published class is the one the absolute bounds give for the published index (and an index
-- without a class, or a class without an index, is an error). Rows returned = violations.
-- A check on the published index (dagster-dbt attaches a test with several parents to the one named here).
{{ config(meta={'dagster': {'ref': {'name': 'mart_social_area_index'}}}) }}

with published as (
    select area_id, period, 'status' as component, status_index as index_value, status_class as class_label
    from {{ ref('mart_social_area_index') }}
    union all
    select area_id, period, 'dynamik', dynamik_index, dynamik_class
    from {{ ref('mart_social_area_index') }}
)

select published.*, classes.class_label as expected
from published
left join {{ ref('social_index_classes') }} as classes
    on classes.component = published.component
    and (classes.lower_bound is null or published.index_value >= classes.lower_bound)
    and (classes.upper_bound is null or published.index_value < classes.upper_bound)
where published.class_label is distinct from classes.class_label
