-- The registry's series breaks (ingest/sources.yml, written to the raw store before the build).
select source_id, ab, aspect, before, after, note
from {{ source('registry', 'series_breaks') }}
