{# Where a staged cell came from: the source, the landing file, its line and column (1-based). #}
{% macro staging_provenance() %}
    source_id,
    file_name as source_file,
    row_number as source_row,
    column_number as source_column
{% endmacro %}
