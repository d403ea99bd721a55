-- Every delivered count in the shared measure vocabulary, one row per area x period x measure, at
-- the level each source publishes: population (GENESIS, every official level; the population at or above
-- the Altersgrenze estimated from its age groups), the social benefits
-- of the GENESIS Kreis tables (Kreis and above: Grundsicherung 22151, Mindestsicherung 22811, HLU
-- 22121, AsylbLG 22221), SGB II and Arbeitslose (BA, Gemeinde), small areas (cities), Kita and
-- Schuleingangsuntersuchung (municipal submissions, Gemeinde and small area). BA: its Gemeinde rows, and
-- a Kreis row where a workbook has one. published_zero: the source printed the count as "-" (macro
-- published_zero).
-- Every row of a period follows from the deliveries of that period alone: incremental by delivery, a night
-- recomputes only the periods of new, replaced or removed files (macros/incremental_by_delivery.sql).
{{ config(
    materialized='incremental', incremental_strategy='changed_periods', period_column='period',
    post_hook="{{ record_deliveries() }}"
) }}
{%- set periods = changed_periods() %}

with kreis_tables as (
    select area_key, stichtag, measure_id, anzahl, status, published_zero, source_file, source_id
    from {{ ref('stg_genesis__grundsicherung') }}
    where {{ in_periods('stichtag', periods) }}
    union all
    select area_key, stichtag, measure_id, anzahl, status, published_zero, source_file, source_id
    from {{ ref('stg_genesis__mindestsicherung') }}
    where {{ in_periods('stichtag', periods) }}
    union all
    select area_key, stichtag, measure_id, anzahl, status, published_zero, source_file, source_id
    from {{ ref('stg_genesis__hilfe_lebensunterhalt') }}
    where {{ in_periods('stichtag', periods) }}
    union all
    select area_key, stichtag, measure_id, anzahl, status, published_zero, source_file, source_id
    from {{ ref('stg_genesis__asylbewerberleistungen') }}
    where {{ in_periods('stichtag', periods) }}
),

social_benefits as (
    select
        area_key as area_id,
        stichtag as period,
        measure_id,
        {{ sum_of_parts('anzahl', 'status', 'published_zero') }},
        string_agg(distinct source_file, ', ' order by source_file) as source_files,
        source_id
    from kreis_tables
    group by area_key, stichtag, measure_id, source_id
)

select area_id, period, measure_id, value, status, published_zero, source_files, source_id
from {{ ref('int_bevoelkerung_measures') }}
where {{ in_periods('period', periods) }}

union all

-- estimated from the age groups (method in the model)
select area_id, period, measure_id, value, status, published_zero, source_files, source_id
from {{ ref('int_bevoelkerung_altersgrenze') }}
where {{ in_periods('period', periods) }}

union all

select area_id, period, measure_id, value, status, published_zero, source_files, source_id
from social_benefits

union all

select area_key, berichtsmonat, measure_id, anzahl, status, published_zero, source_file, source_id
from {{ ref('stg_ba__gemeindedaten') }}
where {{ in_periods('berichtsmonat', periods) }}

union all

select area_id, stichtag, measure_id, anzahl, status, published_zero, source_file, source_id
from {{ ref('stg_staedte__kleinraum') }}
where {{ in_periods('stichtag', periods) }}

union all

select area_id, stichtag, measure_id, anzahl, status, published_zero, source_file, source_id
from {{ ref('stg_meldungen__kommunal') }}
where {{ in_periods('stichtag', periods) }}
