{#
  The cities' small-area levels (city mappings, ingest/city_mapping.py; expectations/catalog.py
  SMALL_AREA_LEVELS), as a SQL list: `where level in {{ small_area_levels() }}`. A level is compared
  only within itself, never summed into another.
#}
{% macro small_area_levels() %}('stadtbezirk', 'stadtteil', 'statistischer_bezirk', 'sozialraum'){% endmacro %}
