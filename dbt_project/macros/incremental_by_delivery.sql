{#
  Incremental by delivery. A model whose rows of a period (a Stichtag, a Berichtsmonat) follow from the
  deliveries of that period alone (the newest delivery per key within it, sums within it) recomputes, on
  a night with new data, only the periods whose deliveries changed since it last ran: a new file, a file
  replaced under its name (another sha256), a file loaded again (the newest delivery is the one loaded
  last), a file no longer in the raw store. The new rows of a period replace all its old ones, so a newer
  file superseding an older one, and a removed file, come out as in a full build.

  Its state: the deliveries (stg_registry__deliveries: raw table, file version, period) of its raw
  tables it was computed from, in `incremental_state.<model>__deliveries` (a schema of its own: a state
  beside a mart would be published with the marts; dbt_project.yml makes it on-run-start), replaced by
  a post-hook inside the transaction that replaces its rows. A build that stops halfway leaves every
  model consistent with its own state, and the next one catches up. A full build (the first, or
  `--full-refresh`, which the platform passes when the definitions changed:
  orchestration/defs/transform/assets.py) computes every period and records the state anew.

  A model opts in with
    config(materialized='incremental', incremental_strategy='changed_periods', period_column=...,
           raw_tables=[...], post_hook="{{ record_deliveries() }}")
  (raw_tables: the raw tables it reads, all of them if not given)
  and filters what it reads with `where {{ in_periods('<period column>', changed_periods()) }}`.

  A model whose row of a period also reads other periods (a denominator of an earlier Stichtag, the change
  against the previous period) recomputes its changed periods WIDENED to every period such a read can
  reach, and a model downstream of a widened one widens in the same ways (its input changed there too):
    config(..., widen_periods=[<rules, applied in order, each to the periods so far>],
           periods_of='<the model whose periods are the candidates>',
           whole_when_changed=[<models it reads beside the measures>])
  and filters with `where {{ in_periods('period', periods_to_recompute()) }}`. The rules:
    denominator_date: every period whose denominator Stichtag (macro denominator_date, each of its rules)
      is one of them (Kita 01.03.2024 reads the population of 31.12.2023; a change over 5 years reads
      the Stichtag five years before);
    next_period: every period that follows, within a series (the same indicator and area in periods_of),
      a period whose deliveries changed: only there can a series gain or lose a row, which changes what
      the period after it is compared with (a series break; the rule ignores the widening so far);
    next_value: every period that follows one of them within a series (the change against the previous
      period's value, which changed there);
    five_years_later: every period five years after one of them.
  whole_when_changed names what a model reads that holds every period at once and is not in the
  definitions fingerprint (dim_area: its small areas come from the cities' deliveries; the registry's
  series breaks come from ingest/sources.yml): where one of them changed since the model last ran
  (a fingerprint of its rows, recorded beside the deliveries), the model recomputes every period.
  The models downstream of a widened one read the rows of every period it recomputed, not only of the
  changed ones: each names the rules of the models it reads, then its own.
#}

{#- A model's state: its `deliveries`, or the fingerprints of its whole_when_changed `inputs`. -#}
{% macro incremental_state(kind) %}
    {{ return(api.Relation.create(
        database=this.database, schema='incremental_state', identifier=this.identifier ~ '__' ~ kind
    )) }}
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
    {% set state = adapter.get_relation(this.database, 'incremental_state', this.identifier ~ '__deliveries') %}
    {% if state is none %}
        {{ return(none) }}
    {% endif %}
    {% if config.get('whole_when_changed') %}
        {% set inputs = adapter.get_relation(this.database, 'incremental_state', this.identifier ~ '__inputs') %}
        {% if inputs is none %}
            {{ return(none) }}
        {% endif %}
        {% set query %}
            select count(*) from ({{ inputs_fingerprints() }} except select model, fingerprint from {{ inputs }})
        {% endset %}
        {% if run_query(query).columns[0].values()[0] > 0 %}
            {{ return(none) }}
        {% endif %}
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
    {%- set periods = periods_to_recompute() if config.get('widen_periods') else changed_periods() %}
    delete from {{ arg_dict['target_relation'] }}
    where {{ in_periods(config.require('period_column'), periods) }};
    insert into {{ arg_dict['target_relation'] }} ({{ columns }})
    select {{ columns }} from {{ arg_dict['temp_relation'] }}
{% endmacro %}

{% macro record_deliveries() %}
    create or replace table {{ incremental_state('deliveries') }} as {{ model_deliveries() }};
    {%- if config.get('whole_when_changed') %}
    create or replace table {{ incremental_state('inputs') }} as
    {{ inputs_fingerprints() }}
    {%- endif %}
{% endmacro %}

{#- One row per model named in whole_when_changed: its name and a fingerprint of all its rows. -#}
{% macro inputs_fingerprints() %}
    {%- for model in config.get('whole_when_changed') %}
    select '{{ model }}' as model, md5(coalesce(string_agg(rows::varchar, '|' order by rows::varchar), ''))
        as fingerprint
    from {{ ref(model) }} as rows
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{% endmacro %}

{#- The changed periods widened by the model's widen_periods rules (see above); none for all of them. -#}
{% macro periods_to_recompute() %}
    {% set changed = changed_periods() %}
    {% if changed is none or changed | length == 0 %}
        {{ return(changed) }}
    {% endif %}
    {% set widened = namespace(periods=changed) %}  {#- a plain set inside a loop does not outlive it #}
    {% for rule in config.require('widen_periods') %}
        {% set query %}
            with recompute as (
                select unnest({{ date_list(changed if rule == 'next_period' else widened.periods) }}) as period
            ),
            {{ widening(rule, ref(config.require('periods_of'))) }}
            select strftime(period, '%Y-%m-%d') from (
                select unnest({{ date_list(widened.periods) }}) as period union select period from widened
            )
            order by 1
        {% endset %}
        {% set widened.periods = run_query(query).columns[0].values() | list %}
    {% endfor %}
    {{ return(widened.periods) }}
{% endmacro %}

{% macro date_list(periods) -%}
    [{% for period in periods %}date '{{ period }}'{{ ', ' if not loop.last }}{% endfor %}]
{%- endmacro %}

{#- A CTE `widened`: the periods of `candidates` that a rule reaches from the periods in `recompute`. -#}
{% macro widening(rule, candidates) %}
    {%- if rule == 'denominator_date' %}
    widened as (
        select distinct candidates.period
        from (select distinct period from {{ candidates }}) as candidates
        cross join (select unnest(['same_period', 'five_years_earlier', 'latest_population_stichtag']) as rule)
            as rules
        where {{ denominator_date('candidates.period', 'rules.rule') }} in (select period from recompute)
    )
    {%- elif rule == 'five_years_later' %}
    widened as (
        select distinct period from {{ candidates }}
        where (period - interval 5 year)::date in (select period from recompute)
    )
    {%- elif rule in ('next_period', 'next_value') %}
    {#- per series and period to recompute, the first period after it: only the rows after it are read #}
    widened as (
        select distinct next_period as period
        from (
            select min(candidates.period) as next_period
            from {{ candidates }} as candidates
            inner join recompute on candidates.period > recompute.period
            group by candidates.indicator_id, candidates.area_id, recompute.period
        )
    )
    {%- else %}
        {{ exceptions.raise_compiler_error('unknown widen_periods rule: ' ~ rule) }}
    {%- endif %}
{% endmacro %}

{#- The Stichtag a period's denominator is taken from, by the catalog's denominator_period (dim_indicator):
    int_indicator_values pairs by it, and widen_periods 'denominator_date' follows it back. -#}
{% macro denominator_date(period, rule) -%}
    case {{ rule }}
        when 'same_period' then {{ period }}
        when 'five_years_earlier' then ({{ period }} - interval 5 year)::date
        when 'latest_population_stichtag' then
            case when strftime({{ period }}, '%m-%d') = '12-31' then {{ period }}
                 else make_date(year({{ period }}) - 1, 12, 31) end
    end
{%- endmacro %}
