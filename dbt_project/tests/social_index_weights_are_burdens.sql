-- The social index weighs burdens only: every indicator of the seed social_index_weights must be in
-- the catalog with a polarity. A neutral indicator (the Ausländeranteil: nationality is a structure,
-- no social burden; the Berlin MSS dropped migration from its index in 2013) fails here, and so does
-- a weight that is not positive. Rows returned = violations.
-- A check on the published index (dagster-dbt attaches a test with several parents to the one named here).
{{ config(meta={'dagster': {'ref': {'name': 'mart_social_area_index'}}}) }}

select weights.component, weights.indicator_id, weights.weight, catalog.polarity
from {{ ref('social_index_weights') }} as weights
left join {{ ref('dim_indicator') }} as catalog using (indicator_id)
where catalog.polarity is null or catalog.polarity = 'neutral' or weights.weight <= 0
