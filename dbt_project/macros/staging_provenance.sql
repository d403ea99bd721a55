{#
  Where a staged cell came from: the source, the landing file, its line and column (1-based). Every
  staging model of delivered cells ends with these four columns, written here once; `relation` is the
  alias to read them from where the model joins (e.g. 'newest'), none where it selects from one relation.
#}
{% macro staging_provenance(relation=none) %}
    {%- set prefix = relation ~ '.' if relation else '' %}
    {{ prefix }}source_id,
    {{ prefix }}file_name as source_file,
    {{ prefix }}row_number as source_row,
    {{ prefix }}column_number as source_column
{%- endmacro %}
