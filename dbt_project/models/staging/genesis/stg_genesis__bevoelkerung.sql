-- One row per published cell: Stichtag x area x Altersgruppe x Nationalität x Geschlecht.
-- An area's Stichtag delivered in more than one file (a re-download that overlaps an older one) is
-- taken from the file loaded last. Materialised as a table: every model and test downstream reads it.
{{ config(materialized='table') }}

with cells as (
    select * from {{ source('genesis', 'genesis_12411_bevoelkerung') }}
),

newest_delivery as (
    select stichtag, area_key, arg_max(file_name, (loaded_at, file_name)) as file_name
    from cells
    group by stichtag, area_key
)

select
    cells.stichtag,
    cells.area_key,
    cells.area_name,
    cells.altersgruppe,
    cells.nationalitaet,
    cells.geschlecht,
    cells.anzahl,
    cells.status,
    cells.source_id,
    cells.file_name as source_file,
    cells.row_number as source_row,
    cells.column_number as source_column
from cells
semi join newest_delivery using (stichtag, area_key, file_name)
