{#
  The platform's status of a delivered count, from the reader's typed status: a number ("-" is an
  exact zero), a cell the source withheld ("*", ".", "x": stays suppressed), or no usable number yet
  ("...", "/").
#}
{% macro measure_status(status, provisional='false') %}
    case
        when {{ status }} in ('ok', 'nil') and {{ provisional }} then 'provisional'
        when {{ status }} in ('ok', 'nil') then 'ok'
        when {{ status }} in ('suppressed', 'unknown', 'blocked') then 'suppressed'
        else 'missing'
    end
{% endmacro %}

{#
  A sum of parts (age groups, sexes, Gemeinden of a Kreis, components of a derived measure): a number
  only when every part has one, never a partial sum; its status is the weakest of its parts'.
#}
{% macro sum_of_parts(value, status, sign='1') %}
    case when bool_and({{ value }} is not null) then sum({{ sign }} * {{ value }})::bigint end as value,
    case
        when bool_or({{ status }} = 'suppressed') then 'suppressed'
        when bool_or({{ status }} = 'missing') then 'missing'
        when bool_or({{ status }} = 'provisional') then 'provisional'
        else 'ok'
    end as status
{% endmacro %}

{# The provenance of a sum: every landing file of its parts, and the source they came from. #}
{% macro provenance_of_parts(parts) %}
    string_agg(distinct {{ parts }}.source_files, ', ' order by {{ parts }}.source_files) as source_files,
    any_value({{ parts }}.source_id) as source_id
{% endmacro %}
