{#
  Incremental by delivery. A model whose rows of a period (a Stichtag, a Berichtsmonat) follow from the
  deliveries of that period alone (the newest delivery per key within it, sums within it) recomputes, on
  a night with new data, only the periods whose deliveries changed since it last ran: a new file, a file
  replaced under its name (another sha256), a file loaded again (the newest delivery is the one loaded
  last), a file no longer in the raw store. The new rows of a period replace all its old ones, so a newer
  file superseding an older one, and a removed file, come out as in a full build.

  Its state: the deliveries (stg_registry__deliveries: raw table, file version, period) of its raw
  tables it was computed from, in `<model>__deliveries` beside it, replaced by a post-hook inside the
  transaction that replaces its rows. A build that stops halfway leaves every model consistent with its
  own state, and the next one catches up. A full build (the first, or `--full-refresh`, which the
  platform passes when the definitions changed: orchestration/defs/transform/assets.py) computes every
  period and records the state anew.

  A model opts in with
    config(materialized='incremental', incremental_strategy='changed_periods', period_column=...,
           raw_tables=[...], post_hook="{{ record_deliveries() }}")
  (raw_tables: the raw tables it reads, all of them if not given)
  and filters what it reads with `where {{ in_periods('<period column>', changed_periods()) }}`.
#}

{% macro deliveries_state() %}
    {{ return(this.incorporate(path={'identifier': this.identifier ~ '__deliveries'})) }}
{% endmacro %}

{% macro model_deliveries() %}
    select raw_table, source_id, file_name, file_sha256, loaded_at, period
    from {{ ref('stg_registry__deliveries') }}
    {%- if config.get('raw_tables') %}
    where raw_table in ('{{ config.get('raw_tables') | join("', '") }}')
    {%- endif %}
{% endmacro %}

{#- The periods to recompute, as 'YYYY-MM-DD' strings; none for all of them (a full build, or a table
    without a recorded state). -#}
{% macro changed_periods() %}
    {% set deliveries = ref('stg_registry__deliveries') %}  {#- the dependency, also while dbt parses #}
    {% if not execute or not is_incremental() %}
        {{ return(none) }}
    {% endif %}
    {% set state = adapter.get_relation(this.database, this.schema, this.identifier ~ '__deliveries') %}
    {% if state is none %}
        {{ return(none) }}
    {% endif %}
    {% set query %}
        with now as ({{ model_deliveries() }}),
        before as (select raw_table, source_id, file_name, file_sha256, loaded_at, period from {{ state }}),
        changed as ((from now except from before) union all (from before except from now))
        select distinct strftime(period, '%Y-%m-%d') from changed order by 1
    {% endset %}
    {{ return(run_query(query).columns[0].values() | list) }}
{% endmacro %}

{% macro in_periods(column, periods) -%}
    {%- if periods is none -%}
        true
    {%- elif periods | length == 0 -%}
        false
    {%- else -%}
        {{ column }} in ({% for period in periods %}date '{{ period }}'{{ ', ' if not loop.last }}{% endfor %})
    {%- endif -%}
{%- endmacro %}

{#- The strategy: the changed periods' rows out, their recomputed rows in (one transaction). -#}
{% macro get_incremental_changed_periods_sql(arg_dict) %}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ arg_dict['target_relation'] }}
    where {{ in_periods(config.require('period_column'), changed_periods()) }};
    insert into {{ arg_dict['target_relation'] }} ({{ columns }})
    select {{ columns }} from {{ arg_dict['temp_relation'] }}
{% endmacro %}

{% macro record_deliveries() %}
    create or replace table {{ deliveries_state() }} as {{ model_deliveries() }}
{% endmacro %}
