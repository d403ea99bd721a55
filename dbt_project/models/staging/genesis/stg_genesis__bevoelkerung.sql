-- Population cells of table 12411-03-03-4 (Kreis depth: Deutschland, the Länder, Regierungsbezirke,
-- Kreise; 21 age groups by nationality and sex): one row per published cell. An area's Stichtag
-- delivered in more than one file is taken from the file loaded last.
-- Materialised as a table: every model and test downstream reads it.
{{ config(materialized='table') }}

with cells as (
    select * from {{ source('genesis', 'genesis_12411_bevoelkerung') }}
),

newest as (
    {{ newest_delivery('cells', ['stichtag', 'area_key']) }}
)

select
    table_code,
    stichtag,
    area_key,
    area_name,
    altersgruppe,
    alter_von,
    alter_bis,
    nationalitaet,
    geschlecht,
    anzahl,
    status,
    {{ staging_provenance() }}
from newest
