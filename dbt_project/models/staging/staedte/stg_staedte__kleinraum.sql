-- Small-area counts of the cities, keyed `<AGS>-<local code>`. A city's Stichtag delivered twice for
-- the same level is taken from the file loaded last (each level is its own file: Essen's Stadtteile
-- do not replace its Stadtbezirke).
with cells as (
    select * from {{ source('staedte', 'stadt_kleinraum') }}
),

newest as (
    {{ newest_delivery('cells', ['source_id', 'area_level', 'stichtag']) }}
)

select
    ags || '-' || area_code as area_id,
    ags,
    area_level,
    stichtag,
    measure as measure_id,
    anzahl,
    {{ measure_status('status') }} as status,
    {{ published_zero('status') }} as published_zero,
    {{ staging_provenance() }}
from newest
