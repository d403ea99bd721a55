-- One row per area x period, one column per catalog indicator (its id; the column comment carries
-- the indicator's name and unit from the catalog). Suppressed and missing values are empty; the
-- status of each cell is in fct_indicator_values.
-- depends_on: {{ ref('indicator_catalog') }}
{{ config(post_hook="{{ comment_indicator_columns(this) }}") }}

{% set indicators = catalog_indicators() %}

with cells as (
    select area_id, period, indicator_id, value from {{ ref('fct_indicator_values') }}
)

select
    areas.area_id,
    areas.name as area_name,
    areas.level,
    cells.period{{ "," if indicators }}
    {%- for indicator in indicators %}
    max(cells.value) filter (where cells.indicator_id = '{{ indicator[0] }}') as {{ indicator[0] }}{{ "," if not loop.last }}
    {%- endfor %}
from cells
inner join {{ ref('dim_area') }} as areas on cells.area_id = areas.area_id
group by all
