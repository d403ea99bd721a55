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
  Whether the source printed the count as "-" (GENESIS and BA: exactly nothing). Such a zero is
  published by the source itself, so disclosure control must neither hide it as a small count nor pick
  it to hide another cell. A number 0 is not the same: in 22151 a 0 is a count rounded to a multiple of
  5 (0 stands for 0 to 2), and a city's or an office's 0 is published nowhere but here.
#}
{% macro published_zero(status) %}
    coalesce({{ status }} = 'nil', false)
{% endmacro %}

{#
  A sum of parts (age groups, sexes, Gemeinden of a Kreis, components of a derived measure): a number
  only when every part has one, never a partial sum; its status is the weakest of its parts'. It is a
  published zero when every part is one ("-" + "-": anybody can add the source's zeros up).
#}
{% macro sum_of_parts(value, status, published_zero, sign='1') %}
    case when bool_and({{ value }} is not null) then sum({{ sign }} * {{ value }})::bigint end as value,
    case
        when bool_or({{ status }} = 'suppressed') then 'suppressed'
        when bool_or({{ status }} = 'missing') then 'missing'
        when bool_or({{ status }} = 'provisional') then 'provisional'
        else 'ok'
    end as status,
    coalesce(bool_and({{ published_zero }}), false) as published_zero
{% endmacro %}

{# The provenance of a sum: every landing file of its parts, and the source they came from. #}
{% macro provenance_of_parts(parts) %}
    string_agg(distinct {{ parts }}.source_files, ', ' order by {{ parts }}.source_files) as source_files,
    min({{ parts }}.source_id) as source_id  -- one of them, the same on every build
{% endmacro %}
