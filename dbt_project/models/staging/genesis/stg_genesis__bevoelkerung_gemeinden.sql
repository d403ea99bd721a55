-- Population cells of table 12411-02-03-5 (Gemeinde depth; 17 age groups by sex, no nationality): one
-- row per published cell. A kreisfreie Stadt is printed only with its Kreis key (05913). An area's
-- Stichtag delivered in more than one file is taken from the file loaded last. Incremental by delivery:
-- a night recomputes only the Stichtage of new, replaced or removed files (macros/incremental_by_delivery.sql).
{{ config(
    materialized='incremental', incremental_strategy='changed_periods', period_column='stichtag',
    raw_tables=['genesis_12411_bevoelkerung_gemeinden'], post_hook="{{ record_deliveries() }}"
) }}

with cells as (
    select * from {{ source('genesis', 'genesis_12411_bevoelkerung_gemeinden') }}
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
    'Insgesamt' as nationalitaet,
    geschlecht,
    anzahl,
    status,
    {{ staging_provenance() }}
from newest
