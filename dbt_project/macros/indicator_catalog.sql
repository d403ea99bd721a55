{#
  The catalog's indicators in catalog order, queried from the seed when the model runs (empty while
  dbt only parses), so that a model with one column per indicator gains a column when the catalog
  gains an indicator: no list is written twice.
#}
{% macro catalog_indicators() %}
    {% if execute %}
        {% set rows = run_query(
            "select indicator_id, name, unit from " ~ ref('indicator_catalog') ~ " order by rowid"
        ).rows %}
        {{ return(rows) }}
    {% endif %}
    {{ return([]) }}
{% endmacro %}

{# Column comments from the catalog: the indicator's German name and unit, for analysts in DuckDB. #}
{% macro comment_indicator_columns(relation) %}
    {% for indicator in catalog_indicators() %}
        comment on column {{ relation }}.{{ indicator[0] }} is '{{ indicator[1] | replace("'", "''") }} ({{ indicator[2] }})';
    {% endfor %}
{% endmacro %}
