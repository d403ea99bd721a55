{#
  The rows of the newest delivery: where several files deliver the same key (a re-download that
  overlaps an older one, a corrected Nachlieferung), the file loaded last wins, whole.
#}
{% macro newest_delivery(cells, keys) %}
    select {{ cells }}.*
    from {{ cells }}
    semi join (
        select {{ keys | join(', ') }}, arg_max(file_name, (loaded_at, file_name)) as file_name
        from {{ cells }}
        group by all
    ) as newest using ({{ keys | join(', ') }}, file_name)
{% endmacro %}
