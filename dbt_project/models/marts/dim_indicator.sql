-- The indicator catalog as analysts see it: one row per core indicator with its whole definition.
select
    indicator_id,
    name,
    short_label,
    topic,
    definition,
    calculation,
    numerator_measure,
    denominator_measure,
    denominator_period,
    unit,
    unit_factor,
    decimals,
    reference_date_rule,
    string_split(source_ids, '|') as source_ids,
    string_split(area_levels, '|') as area_levels,
    valid_min,
    valid_max,
    max_change,
    polarity,
    min_count,
    min_denominator
from {{ ref('indicator_catalog') }}
