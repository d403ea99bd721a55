-- Laufende Hilfe zum Lebensunterhalt (SGB XII, 3. Kapitel; table 22121-01-03-4): recipients by place of
-- provision at the totals of sex, nationality and age, mapped by the seed hilfe_lebensunterhalt_measures.
-- Only HLU outside institutions counts as Mindestsicherung (amtliche Sozialberichterstattung B 1).
with cells as (
    select * from {{ source('genesis', 'genesis_22121_hilfe_lebensunterhalt') }}
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
inner join {{ ref('hilfe_lebensunterhalt_measures') }} as measures
    on newest.table_code = measures.table_code and newest.ort = measures.ort
where newest.geschlecht = 'Insgesamt' and newest.nationalitaet = 'Insgesamt'
    and newest.altersgruppe = 'Insgesamt'
