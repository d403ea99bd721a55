-- SGB II and Arbeitslose per Gemeinde and Berichtsmonat (end of month), mapped to the shared measure
-- vocabulary (seed ba_measures). A month delivered twice is taken from the workbook loaded last.
with cells as (
    select * from {{ source('ba', 'ba_gemeindedaten') }}
),

newest as (
    {{ newest_delivery('cells', ['berichtsmonat']) }}
)

select
    newest.berichtsmonat,
    newest.area_key,
    newest.area_name,
    measures.measure_id,
    newest.anzahl,
    {{ measure_status('newest.status') }} as status,
    {{ published_zero('newest.status') }} as published_zero,
    newest.layout,
    {{ staging_provenance('newest') }}
from newest
inner join {{ ref('ba_measures') }} as measures on newest.measure = measures.ba_measure
