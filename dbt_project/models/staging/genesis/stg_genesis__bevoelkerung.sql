-- Population cells of table 12411-03-03-4 (Kreis depth: Deutschland, the Länder, Regierungsbezirke,
-- Kreise; 21 age groups by nationality and sex): one row per published cell. An area's Stichtag
-- delivered in more than one file is taken from the file loaded last.
-- Materialised as a table (every model and test downstream reads it), incrementally by delivery: a night
-- recomputes only the Stichtage of new, replaced or removed files (macros/incremental_by_delivery.sql).
{{ config(
    materialized='incremental', incremental_strategy='changed_periods', period_column='stichtag',
    raw_tables=['genesis_12411_bevoelkerung'], post_hook="{{ record_deliveries() }}"
) }}

with cells as (
    select * from {{ source('genesis', 'genesis_12411_bevoelkerung') }}
    where {{ in_periods('stichtag', changed_periods()) }}
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
