-- Grundsicherung im Alter und bei Erwerbsminderung (Statistik 22151; tables 22151-01-01-4 until 2014 and
-- 22151-01-02-4 since): the published totals over place of provision and nationality, per age group
-- mapped to the shared measure vocabulary (seed grundsicherung_measures) and sex 'Insgesamt'.
with cells as (
    select * from {{ source('genesis', 'genesis_22151_grundsicherung') }}
),

newest as (
    {{ newest_delivery('cells', ['stichtag', 'area_key']) }}
)

select
    newest.table_code,
    newest.stichtag,
    newest.area_key,
    newest.area_name,
    measures.measure_id,
    newest.anzahl,
    {{ measure_status('newest.status') }} as status,
    {{ published_zero('newest.status') }} as published_zero,
    {{ staging_provenance('newest') }}
from newest
inner join {{ ref('grundsicherung_measures') }} as measures
    on newest.table_code = measures.table_code and newest.altersgruppe = measures.altersgruppe
where newest.geschlecht = 'Insgesamt' and newest.ort = 'Insgesamt' and newest.nationalitaet = 'Insgesamt'
