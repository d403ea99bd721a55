-- The area hierarchy: Deutschland > NRW > Metropole Ruhr > 15 Kreise / kreisfreie Städte >
-- 53 Gemeinden > small areas of the cities (`<AGS>-<local code>`), on each level a city delivers
-- (Stadtbezirk, Stadtteil, statistischer Bezirk, Sozialraum): every small area hangs directly below
-- its Gemeinde, because the mappings do not say which Stadtteil lies in which Stadtbezirk. Official areas are valid
-- throughout; a small area is valid from the first to the last Stichtag its city delivered it for
-- (valid_to empty while it is in the newest delivery), so a reorganisation ends a series instead of
-- breaking it.
-- parts_relation says what an area's parts (the areas whose parent it is) are to it, which disclosure
-- control needs to know (fct_indicator_values): 'sum' for the Ruhr and a Kreis (the region is the sum
-- of its 15 Kreise and a Kreis of its Gemeinden, in official statistics and where the platform sums
-- them), 'separate_count' for a city with small areas (the city counts them in its own register, the
-- official Gemeinde total comes from the Fortschreibung or the BA: they add up only approximately,
-- mart_small_area_reconciliation), 'incomplete' for NRW and Deutschland (only the Ruhr, resp. NRW, of
-- their parts is listed here).
with referenz as (
    select area_id, name, level, parent_id, null as area_type
    from {{ ref('referenzgebiete') }}
),

regionen as (
    select area_id, name, 'region' as level, parent_id, 'Region' as area_type
    from {{ ref('regionen') }}
),

kreise as (
    select kreise.kreis_ags as area_id, kreise.name, 'kreis' as level, regionen.area_id as parent_id,
           kreise.kreis_typ as area_type
    from {{ ref('ruhr_kreise') }} as kreise
    cross join {{ ref('regionen') }} as regionen
),

gemeinden as (
    select ags as area_id, name, 'gemeinde' as level, kreis_ags as parent_id, gemeinde_typ as area_type
    from {{ ref('ruhr_gemeinden') }}
),

kleinraeume as (
    select
        area_id,
        name,
        area_level as level,
        ags as parent_id,
        case area_level
            when 'stadtbezirk' then 'Stadtbezirk'
            when 'stadtteil' then 'Stadtteil'
            when 'statistischer_bezirk' then 'Statistischer Bezirk'
            when 'sozialraum' then 'Sozialraum'
        end as area_type,
        valid_from,
        valid_to
    from {{ ref('stg_staedte__gebiete') }}
),

areas as (
    select * from referenz
    union all by name
    select * from regionen
    union all by name
    select * from kreise
    union all by name
    select * from gemeinden
    union all by name
    select * from kleinraeume
)

select
    areas.*,
    case
        when areas.level in ('region', 'kreis') then 'sum'
        when areas.level in ('land', 'bund') then 'incomplete'
        when areas.level = 'gemeinde' and areas.area_id in (select parent_id from kleinraeume) then 'separate_count'
    end as parts_relation
from areas
