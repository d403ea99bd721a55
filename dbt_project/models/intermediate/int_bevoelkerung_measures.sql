-- Population measures (bevoelkerung_measures seed) per area and Stichtag, summed from age groups.
-- A measure is unknown (null) when any cell it sums is unknown: a partial sum is not published.
-- The region is the sum of its Kreise, from counts, never from rates.
with cells as (
    select * from {{ ref('int_bevoelkerung_gebiete') }}
),

measures as (
    select * from {{ ref('bevoelkerung_measures') }}
),

altersgruppen as (
    select * from {{ ref('genesis_altersgruppen') }}
),

per_area as (
    select
        cells.area_id,
        cells.stichtag as period,
        measures.measure_id,
        case when count(*) filter (where cells.anzahl is null) = 0 then sum(cells.anzahl)::bigint end as value,
        count(*) filter (where cells.anzahl is null) as unknown_cells,
        string_agg(distinct cells.source_file, ', ' order by cells.source_file) as source_files
    from cells
    inner join altersgruppen on cells.altersgruppe = altersgruppen.altersgruppe
    inner join measures
        on cells.nationalitaet = measures.nationalitaet
        and cells.geschlecht = measures.geschlecht
        and altersgruppen.alter_von >= measures.alter_von
        and (measures.alter_bis is null or altersgruppen.alter_bis <= measures.alter_bis)
    group by all
),

regions as (
    select
        regionen.area_id,
        per_area.period,
        per_area.measure_id,
        case when count(*) filter (where per_area.value is null) = 0 then sum(per_area.value)::bigint end as value,
        sum(per_area.unknown_cells) as unknown_cells,
        string_agg(distinct per_area.source_files, ', ' order by per_area.source_files) as source_files
    from per_area
    inner join {{ ref('ruhr_kreise') }} as kreise on per_area.area_id = kreise.kreis_ags
    cross join {{ ref('regionen') }} as regionen
    group by all
    having count(*) = (select count(*) from {{ ref('ruhr_kreise') }})
)

select * from per_area
union all
select * from regions
