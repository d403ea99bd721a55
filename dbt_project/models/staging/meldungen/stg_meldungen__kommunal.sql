-- Kita-Betreuung (01.03.) and Schuleingangsuntersuchung (01.08.) counts per area. A value delivered
-- twice (a corrected Nachlieferung) is taken from the file loaded last.
with cells as (
    select * from {{ source('meldungen', 'kommunale_meldungen') }}
),

newest as (
    {{ newest_delivery('cells', ['area_id', 'stichtag', 'merkmal']) }}
)

select
    area_id,
    stichtag,
    merkmal as measure_id,
    anzahl,
    {{ measure_status('status') }} as status,
    {{ published_zero('status') }} as published_zero,
    {{ staging_provenance() }}
from newest
