-- The small areas of every city mapping, with the Stichtage they were delivered for: an area that
-- a reorganisation retired keeps its id and its series, and shows when it stopped.
with gebiete as (
    select * from {{ source('staedte', 'stadt_kleinraum_gebiete') }}
),

delivered as (
    select ags || '-' || area_code as area_id, min(stichtag) as first_stichtag, max(stichtag) as last_stichtag
    from {{ source('staedte', 'stadt_kleinraum') }}
    group by all
),

newest_per_city as (
    select ags, max(stichtag) as newest_stichtag
    from {{ source('staedte', 'stadt_kleinraum') }}
    group by all
)

select
    gebiete.ags || '-' || gebiete.area_code as area_id,
    gebiete.name,
    gebiete.area_level,
    gebiete.ags,
    gebiete.source_id,
    delivered.first_stichtag as valid_from,
    case when delivered.last_stichtag < newest_per_city.newest_stichtag then delivered.last_stichtag end as valid_to
from gebiete
left join delivered on delivered.area_id = gebiete.ags || '-' || gebiete.area_code
left join newest_per_city on newest_per_city.ags = gebiete.ags
