{#
  A GENESIS table's cells as measures of the shared vocabulary: the newest delivery per Stichtag and
  area, joined to the table's measure seed on the table code and the seed's dimension columns, at the
  totals ('Insgesamt') of the dimensions the measures do not break down. One place for the four
  staging models of the Mindestsicherung's tables (22151, 22121, 22221, 22811).
#}
{% macro genesis_measure_cells(source_table, measures_seed, join_columns, totals=[]) %}
with cells as (
    select * from {{ source('genesis', source_table) }}
),

newest as (
    {{ newest_delivery('cells', ['stichtag', 'area_key']) }}
)

select
    newest.table_code,
    newest.stichtag,
    newest.area_key,
    newest.area_name,
    measures.measure_id,
    newest.anzahl,
    {{ measure_status('newest.status') }} as status,
    {{ published_zero('newest.status') }} as published_zero,
    {{ staging_provenance('newest') }}
from newest
inner join {{ ref(measures_seed) }} as measures
    on newest.table_code = measures.table_code
    {%- for column in join_columns %}
    and newest.{{ column }} = measures.{{ column }}
    {%- endfor %}
{%- for column in totals %}
{{ 'where' if loop.first else '    and' }} newest.{{ column }} = 'Insgesamt'
{%- endfor %}
{% endmacro %}
