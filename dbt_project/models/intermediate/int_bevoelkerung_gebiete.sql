-- Population cells per platform area, each level from the table published at its depth: the Gemeinden
-- from 12411-02-03-5 (which prints a kreisfreie Stadt under its Kreis key: 05913 stands for the Gemeinde
-- 05913000), the Kreise, NRW and Deutschland from 12411-03-03-4. Total rows of an age group are dropped:
-- measures sum the age groups.
with gemeinden as (
    select cells.* replace (
        case when kreisfreie.kreis_ags is not null then cells.area_key || '000' else cells.area_key end as area_key
    )
    from {{ ref('stg_genesis__bevoelkerung_gemeinden') }} as cells
    left join {{ ref('ruhr_kreise') }} as kreisfreie
        on cells.area_key = kreisfreie.kreis_ags and kreisfreie.kreis_typ = 'kreisfreie Stadt'
    where length(cells.area_key) = 8 or kreisfreie.kreis_ags is not null
),

kreise_und_hoeher as (
    select * from {{ ref('stg_genesis__bevoelkerung') }}
    where length(area_key) <> 8
)

select area_key as area_id, * exclude (area_key)
from (
    select * from gemeinden
    union all by name
    select * from kreise_und_hoeher
)
where altersgruppe <> 'Insgesamt'
