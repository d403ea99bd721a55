-- Population measures (bevoelkerung_measures seed) per area and Stichtag, summed from the age groups of
-- the area's table by their bounds. A measure is a number only when every cell it sums is one, and only
-- where the table's age groups fit its band exactly (no partial band: the Gemeinde table's 65–75 cannot
-- make "65 bis unter 67").
-- A table, incremental by delivery (macros/incremental_by_delivery.sql): a night recomputes only the
-- Stichtage of new, replaced or removed population files, and its tests read rows instead of summing
-- every Stichtag's cells again.
{{ config(
    materialized='incremental', incremental_strategy='changed_periods', period_column='period',
    raw_tables=['genesis_12411_bevoelkerung', 'genesis_12411_bevoelkerung_gemeinden'],
    post_hook="{{ record_deliveries() }}"
) }}

with cells as (
    select *, {{ measure_status('status') }} as measure_status, {{ published_zero('status') }} as published_zero
    from {{ ref('int_bevoelkerung_gebiete') }}
    where {{ in_periods('stichtag', changed_periods()) }}
),

measures as (
    select * from {{ ref('bevoelkerung_measures') }}
),

summed as (
    select
        cells.area_id,
        cells.stichtag as period,
        measures.measure_id,
        {{ sum_of_parts('cells.anzahl', 'cells.measure_status', 'cells.published_zero') }},
        string_agg(distinct cells.source_file, ', ' order by cells.source_file) as source_files,
        any_value(cells.source_id) as source_id,  -- one table per area and level
        -- the groups cover the band exactly: from its lower bound, without gaps, to its upper bound
        min(cells.alter_von) = any_value(measures.alter_von)
            and sum(coalesce(cells.alter_bis, 200) - cells.alter_von)
                = coalesce(any_value(measures.alter_bis), 200) - any_value(measures.alter_von)
            and count(cells.alter_bis) = count(*) - (any_value(measures.alter_bis) is null)::int
            as band_covered
    from cells
    inner join measures
        on cells.nationalitaet = measures.nationalitaet
        and cells.geschlecht = measures.geschlecht
        and cells.alter_von >= measures.alter_von
        and (measures.alter_bis is null or cells.alter_bis <= measures.alter_bis)
    group by all
)

select * exclude (band_covered)
from summed
where band_covered
