-- Regelleistungen nach dem Asylbewerberleistungsgesetz (table 22221-01-01-4): recipients by kind of
-- benefit (Grundleistungen, Hilfe zum Lebensunterhalt nach § 2 AsylbLG) at the totals of sex and age,
-- mapped by the seed asylbewerberleistungen_measures. Both kinds are Regelleistungen: the total counts.
with cells as (
    select * from {{ source('genesis', 'genesis_22221_asylbewerberleistungen') }}
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
inner join {{ ref('asylbewerberleistungen_measures') }} as measures
    on newest.table_code = measures.table_code and newest.art_der_leistung = measures.art_der_leistung
where newest.geschlecht = 'Insgesamt' and newest.altersgruppe = 'Insgesamt'
