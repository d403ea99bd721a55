-- The indicator catalog as analysts see it: one row per core indicator with its whole definition.
select
    indicator_id,
    name,
    short_label,
    topic,
    definition,
    numerator_measure,
    denominator_measure,
    unit,
    unit_factor,
    decimals,
    reference_date_rule,
    string_split(source_ids, '|') as source_ids,
    string_split(area_levels, '|') as area_levels,
    valid_min,
    valid_max,
    polarity,
    min_count
from {{ ref('indicator_catalog') }}
