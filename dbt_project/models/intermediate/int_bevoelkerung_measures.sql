-- Population measures (bevoelkerung_measures seed) per area and Stichtag, summed from age groups.
-- A measure is a number only when every cell it sums is one: a partial sum is not published.
with cells as (
    select *, {{ measure_status('status') }} as measure_status
    from {{ ref('int_bevoelkerung_gebiete') }}
),

measures as (
    select * from {{ ref('bevoelkerung_measures') }}
),

altersgruppen as (
    select * from {{ ref('genesis_altersgruppen') }}
)

select
    cells.area_id,
    cells.stichtag as period,
    measures.measure_id,
    {{ sum_of_parts('cells.anzahl', 'cells.measure_status') }},
    string_agg(distinct cells.source_file, ', ' order by cells.source_file) as source_files
from cells
inner join altersgruppen on cells.altersgruppe = altersgruppen.altersgruppe
inner join measures
    on cells.nationalitaet = measures.nationalitaet
    and cells.geschlecht = measures.geschlecht
    and altersgruppen.alter_von >= measures.alter_von
    and (measures.alter_bis is null or altersgruppen.alter_bis <= measures.alter_bis)
group by all
