-- One row per published cell: Stichtag x area x Altersgruppe x Nationalität x Geschlecht.
-- A Stichtag delivered in more than one file (a re-download that overlaps an older one) is taken
-- from the file loaded last.
select
    stichtag,
    area_key,
    area_name,
    altersgruppe,
    nationalitaet,
    geschlecht,
    anzahl,
    status,
    source_id,
    file_name as source_file,
    row_number as source_row,
    column_number as source_column
from {{ source('genesis', 'genesis_12411_bevoelkerung') }}
qualify row_number() over (
    partition by stichtag, area_key, altersgruppe, nationalitaet, geschlecht
    order by loaded_at desc, file_name desc
) = 1
