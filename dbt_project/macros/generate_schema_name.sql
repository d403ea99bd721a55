{#- Schemas are named as configured (staging, intermediate, marts, reference), without the target's
    prefix dbt adds by default: analysts query `marts.fct_indicator_values`, in every environment. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ custom_schema_name if custom_schema_name else target.schema }}
{%- endmacro %}
