-- Grundsicherung im Alter und bei Erwerbsminderung (22151, GENESIS flat file): one row per value,
-- the age group mapped to the shared measure vocabulary (seed grundsicherung_measures); sexes are
-- summed in the intermediate layer. value_q "p" marks a provisional value.
with cells as (
    select * from {{ source('genesis', 'genesis_22151_grundsicherung') }}
),

newest as (
    {{ newest_delivery('cells', ['time', 'area_key']) }}
)

select
    newest.time::date as stichtag,
    newest.area_key,
    newest.area_name,
    measures.measure_id,
    newest.merkmale['GES'] as geschlecht,
    newest.value::bigint as anzahl,
    {{ measure_status('newest.status', "coalesce(newest.value_q = 'p', false)") }} as status,
    newest.source_id,
    newest.file_name as source_file,
    newest.row_number as source_row,
    newest.column_number as source_column
from newest
inner join {{ ref('grundsicherung_measures') }} as measures
    on newest.merkmale['ALTX20'] = measures.altersgruppe_code
