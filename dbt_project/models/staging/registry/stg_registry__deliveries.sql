-- What the raw store holds, per delivery: one row per raw table, file version (source, file, sha256, when
-- it was loaded: the newest delivery wins by it) and period (Stichtag, Berichtsmonat) it delivers cells for. The models built incrementally by delivery
-- (macro changed_periods) compare it with the deliveries they were last computed from: a new, replaced
-- or removed file names the periods to recompute.
{{ config(materialized='table') }}

{%- set raw_tables = [
    ('genesis', 'genesis_12411_bevoelkerung', 'stichtag'),
    ('genesis', 'genesis_12411_bevoelkerung_gemeinden', 'stichtag'),
    ('genesis', 'genesis_22151_grundsicherung', 'stichtag'),
    ('genesis', 'genesis_22811_mindestsicherung', 'stichtag'),
    ('genesis', 'genesis_22121_hilfe_lebensunterhalt', 'stichtag'),
    ('genesis', 'genesis_22221_asylbewerberleistungen', 'stichtag'),
    ('ba', 'ba_gemeindedaten', 'berichtsmonat'),
    ('staedte', 'stadt_kleinraum', 'stichtag'),
    ('meldungen', 'kommunale_meldungen', 'stichtag'),
] %}

{% for source_name, table, period in raw_tables %}
select distinct
    '{{ table }}' as raw_table, source_id, file_name, file_sha256, loaded_at, {{ period }} as period
from {{ source(source_name, table) }}
{% if not loop.last %}union all{% endif %}
{%- endfor %}
