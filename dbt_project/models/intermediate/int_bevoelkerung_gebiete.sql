-- Population cells per platform area. A kreisfreie Stadt is both a Kreis and a Gemeinde: where the
-- export has no 8-digit row for it (tables at Kreis depth), its Kreis row stands in for the Gemeinde.
with cells as (
    select * from {{ ref('stg_genesis__bevoelkerung') }}
    where altersgruppe <> 'Insgesamt'
),

kreisfreie_staedte as (
    select kreis_ags from {{ ref('ruhr_kreise') }} where kreis_typ = 'kreisfreie Stadt'
),

stand_in as (
    select cells.* replace (cells.area_key || '000' as area_key)
    from cells
    inner join kreisfreie_staedte on cells.area_key = kreisfreie_staedte.kreis_ags
    where not exists (
        select 1 from cells as gemeinde
        where gemeinde.area_key = cells.area_key || '000' and gemeinde.stichtag = cells.stichtag
    )
)

select area_key as area_id, * exclude (area_key) from cells
union all by name
select area_key as area_id, * exclude (area_key) from stand_in
