-- Empfänger von sozialen Mindestsicherungsleistungen (Sozialberichterstattung, table 22811-01-01-4):
-- the official total of the four benefits and each benefit as published, mapped to the shared measure
-- vocabulary by the seed mindestsicherung_measures. The total is the numerator of the
-- Mindestsicherungsquote where published; the benefits are checked against their own statistics
-- (the gate's mindestsicherung_components_agree), never summed in place of the total.
with cells as (
    select * from {{ source('genesis', 'genesis_22811_mindestsicherung') }}
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
inner join {{ ref('mindestsicherung_measures') }} as measures
    on newest.table_code = measures.table_code
    and newest.leistung = measures.leistung
    and newest.leistungsberechtigte = measures.leistungsberechtigte
