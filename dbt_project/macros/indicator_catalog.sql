{#
  The catalog's indicators in catalog order, queried from the seed when the model runs (empty while
  dbt only parses), so that a model with one column per indicator gains a column when the catalog
  gains an indicator: no list is written twice.
#}
{% macro catalog_indicators() %}
    {% if execute %}
        {% set rows = run_query(
            "select indicator_id, name, unit, definition, conformity, official_source, official_definition, "
            ~ "coalesce(conformity_note, '') from " ~ ref('indicator_catalog') ~ " order by rowid"
        ).rows %}
        {{ return(rows) }}
    {% endif %}
    {{ return([]) }}
{% endmacro %}

{#
  Column comments from the catalog, for analysts in DuckDB and in dbt's docs: the indicator's German name
  and unit first, then its definition, the official source and definition, and how the platform stands
  to it (conformity: follows, deviates, no_official; see dim_indicator).
#}
{% macro comment_indicator_columns(relation) %}
    {% for indicator in catalog_indicators() %}
        {% set text %}{{ indicator[1] }} ({{ indicator[2] }}). {{ indicator[3] }} Amtlich ({{ indicator[4] }}): {{ indicator[6] }} Quelle: {{ indicator[5] }}.{% if indicator[7] %} {{ indicator[7] }}{% endif %}{% endset %}
        comment on column {{ relation }}.{{ indicator[0] }} is '{{ text | replace("'", "''") }}';
    {% endfor %}
{% endmacro %}
