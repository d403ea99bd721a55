-- One row per indicator x area x period, after disclosure control, with the origin of its numerator,
-- the method of its sources and whether it is compared across a declared series break
-- (int_indicator_series).
-- Hidden before this model: cells the source withheld ('source') and cells below the catalog's minimums
-- ('primary', int_indicator_values). Secondary suppression here hides more cells until no hidden
-- numerator can be recomputed through any chain of the exact equations of int_disclosure_groups (a
-- total and its parts: the Ruhr and its Kreise, a Kreis and its Gemeinden, a city and its small areas
-- where they add up), on every level at once.
--   The attacker: repeat until nothing new: in a group of a total and its parts, exactly one member
--   unknown gives it (total minus the known parts, or the sum of the parts). A chain: Kreis K hidden,
--   its sibling K2 hidden to protect it, but K2's Gemeinden all published: K2 = their sum, then
--   K = Ruhr - the other Kreise. An attacker who learns nothing in a first round learns nothing at all,
--   so the publication is safe when no group has exactly one unknown member that is hidden.
--   The fixpoint (recursive CTE keyed by cell): each round, in every group with exactly one unknown
--   member, (a) if that member is hidden, one more member is hidden: the published one with the
--   smallest numerator (the smallest loss of information; a part before the total, as the total is the
--   largest), then the next round looks at the groups that cell belongs to (its own parts, one level
--   down; the parent's group, one level up); (b) if it is a cell without a published numerator that is
--   not hidden (missing, or a total without a row), the attacker knows it from now on. Rounds repeat
--   until no group changes. (b) is never taken back, even when a later round hides a cell it was
--   computed from: the attacker is assumed to know more than it could, never less, so the result is
--   safe (the gate's check no_suppressed_cell_recoverable runs the attack itself on the result).
--   Never a published zero as complement: a count the source printed as "-" is public and adds no
--   uncertainty, so hiding it protects nothing; it is taken only when a group has nothing else. Other
--   counts the source publishes itself (a BA Gemeinde) are taken: they keep the hidden cell out of reach
--   of this publication; against a reader of the source, the source's own secondary suppression
--   protects (the BA withholds a second cell where one could be recomputed from its totals).
--   Not covered: relations between indicators (two indicators with the same numerator measure, one
--   suppressed and one not) and between periods; intervals (two hidden cells of one group are known
--   together: their sum is the total minus the published parts).
-- Incremental by delivery (macros/incremental_by_delivery.sql): disclosure control works within one
-- indicator and period, so a night recomputes the periods its inputs changed in: those of new, replaced or
-- removed files, those whose denominator Stichtag is one of them, and (int_indicator_series, a view:
-- a window over the whole history costs less than keeping it incremental) the next period of a series.
{{ config(
    materialized='incremental', incremental_strategy='changed_periods', period_column='period',
    widen_periods=['denominator_date', 'next_period'], periods_of='int_indicator_values',
    whole_when_changed=['dim_area', 'dim_indicator', 'stg_registry__series_breaks'],
    post_hook="{{ record_deliveries() }}"
) }}
-- depends_on: {{ ref('dim_area') }} {{ ref('dim_indicator') }} {{ ref('stg_registry__series_breaks') }}
{%- set periods = periods_to_recompute() %}

with recursive

indicator_values as (
    select * from {{ ref('int_indicator_values') }}
    where {{ in_periods('period', periods) }}
),

groups as (
    select * from {{ ref('int_disclosure_groups') }}
    where {{ in_periods('period', periods) }}
),

cells as (
    select
        indicator_id,
        area_id,
        period,
        numerator,
        published_zero,
        status = 'suppressed' as hidden,
        status <> 'suppressed' and numerator is not null as published
    from indicator_values
    union all
    select distinct indicator_id, area_id, period, null, false, false, false
    from groups
    where not exists (
        select 1 from indicator_values
        where indicator_values.indicator_id = groups.indicator_id
            and indicator_values.area_id = groups.area_id
            and indicator_values.period = groups.period
    )
),

members as (
    select groups.indicator_id, groups.period, groups.group_area_id, groups.area_id, groups.is_total,
        cells.numerator, cells.published_zero, cells.published
    from groups
    inner join cells using (indicator_id, area_id, period)
),

protection (indicator_id, area_id, period, hidden, derived) using key (indicator_id, area_id, period) as (
    select indicator_id, area_id, period, hidden, false from cells
    union
    (
        with state as (
            select
                members.*,
                protection.hidden,
                not ((members.published and not protection.hidden) or protection.derived) as unknown
            from members
            inner join recurring.protection as protection using (indicator_id, area_id, period)
        ),

        exposed as (
            select
                indicator_id,
                period,
                group_area_id,
                any_value(area_id) filter (where unknown) as area_id,
                any_value(hidden) filter (where unknown) as hidden
            from state
            group by all
            having count(*) filter (where unknown) = 1
        ),

        complements as (
            select state.indicator_id, state.area_id, state.period
            from exposed
            inner join state using (indicator_id, period, group_area_id)
            where exposed.hidden and state.published and not state.hidden
            qualify row_number() over (
                partition by state.indicator_id, state.period, state.group_area_id
                order by state.published_zero, state.numerator, state.is_total, state.area_id
            ) = 1
        )

        select distinct indicator_id, area_id, period, true, false from complements
        union all
        select distinct indicator_id, area_id, period, false, true from exposed where not hidden
    )
),

final as (
    select
        indicator_values.* exclude (status, suppression),
        case when protection.hidden then 'suppressed' else indicator_values.status end as status,
        case
            when protection.hidden and indicator_values.status <> 'suppressed' then 'secondary'
            else indicator_values.suppression
        end as suppression
    from indicator_values
    inner join protection using (indicator_id, area_id, period)
)

select
    final.indicator_id,
    final.area_id,
    final.period,
    case when final.status <> 'suppressed' then final.numerator end as numerator,
    final.numerator_origin,
    final.denominator,
    case when final.status in ('ok', 'provisional') then final.value end as value,
    final.status,
    final.suppression,
    case when final.status <> 'suppressed' then final.published_zero end as published_zero,
    final.source_files,
    series.series_basis,
    coalesce(series.series_break, false) as series_break,
    series.series_break_note
from final
left join {{ ref('int_indicator_series') }} as series using (indicator_id, area_id, period)
