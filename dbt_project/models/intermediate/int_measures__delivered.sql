-- Every delivered count in the shared measure vocabulary, one row per area x period x measure, at
-- the level each source publishes: population (GENESIS, every official level), Grundsicherung
-- (GENESIS, Kreis and above), SGB II and Arbeitslose (BA: its Gemeinde rows, and a Kreis row where a
-- workbook has one), small areas (cities), Kita and Schuleingangsuntersuchung (municipal submissions,
-- Gemeinde and small area). published_zero: the source printed the count as "-" (macro published_zero).
{{ config(materialized='table') }}

with grundsicherung as (
    select
        area_key as area_id,
        stichtag as period,
        measure_id,
        {{ sum_of_parts('anzahl', 'status', 'published_zero') }},
        string_agg(distinct source_file, ', ' order by source_file) as source_files
    from {{ ref('stg_genesis__grundsicherung') }}
    group by all
)

select area_id, period, measure_id, value, status, published_zero, source_files, source_id
from {{ ref('int_bevoelkerung_measures') }}

union all

select area_id, period, measure_id, value, status, published_zero, source_files, 'genesis_22151_grundsicherung'
from grundsicherung

union all

select area_key, berichtsmonat, measure_id, anzahl, status, published_zero, source_file, source_id
from {{ ref('stg_ba__gemeindedaten') }}

union all

select area_id, stichtag, measure_id, anzahl, status, published_zero, source_file, source_id
from {{ ref('stg_staedte__kleinraum') }}

union all

select area_id, stichtag, measure_id, anzahl, status, published_zero, source_file, source_id
from {{ ref('stg_meldungen__kommunal') }}
