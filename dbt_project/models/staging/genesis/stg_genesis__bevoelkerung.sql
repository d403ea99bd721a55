-- One row per published cell: Stichtag x area x Altersgruppe x Nationalität x Geschlecht.
-- An area's Stichtag delivered in more than one file is taken from the file loaded last.
-- Materialised as a table: every model and test downstream reads it.
{{ config(materialized='table') }}

with cells as (
    select * from {{ source('genesis', 'genesis_12411_bevoelkerung') }}
),

newest as (
    {{ newest_delivery('cells', ['stichtag', 'area_key']) }}
)

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
from newest
