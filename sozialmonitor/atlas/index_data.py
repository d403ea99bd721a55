"""The social index as the atlas reads it from a published version: each area's row of
mart_social_area_index and what the method page shows (rules, weights, class bounds, class sizes,
robustness), all from the published marts, so that the page describes the index it shows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import duckdb


@dataclass(frozen=True)
class SocialIndex:
    """One area's row of mart_social_area_index."""

    area_id: str
    level: str
    period: date
    status_index: float | None
    status_class: str | None
    status_class_rank: int | None
    dynamik_index: float | None
    dynamik_class: str | None
    dynamik_class_rank: int | None
    status_dynamik: str | None
    note: str | None


@dataclass
class IndexMethod:
    """What the method page shows of the social index, from the published marts: weights, class
    bounds, class sizes and robustness at the newest period of each level."""

    rules: dict[str, float]  # rule -> value (dim_social_index_rules)
    weights: list[dict]
    classes: list[dict]
    class_counts: list[dict]  # component, level, period, class_rank, class_label, areas
    robustness: list[dict]  # component, level, period, areas_classified, most_changed, varied weight


def social_index(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, list[SocialIndex]]]:
    """Each level at its newest period, most burdened first (areas without an index last, by id)."""
    rows = con.execute(
        """with newest as (select level, max(period) as period
                           from marts.mart_social_area_index group by level)
           select gemeinde_ags, area_id, level, period, status_index, status_class, status_class_rank,
                  dynamik_index, dynamik_class, dynamik_class_rank, status_dynamik, note
           from marts.mart_social_area_index join newest using (level, period)
           order by gemeinde_ags, level, status_index desc nulls last, area_id"""
    ).fetchall()
    result: dict[str, dict[str, list[SocialIndex]]] = defaultdict(lambda: defaultdict(list))
    for gemeinde, *row in rows:
        entry = SocialIndex(*row)
        result[gemeinde][entry.level].append(entry)
    return {gemeinde: dict(levels) for gemeinde, levels in result.items()}


def _records(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    relation = con.execute(sql)
    columns = [column[0] for column in relation.description]
    return [dict(zip(columns, row, strict=True)) for row in relation.fetchall()]


def index_method(con: duckdb.DuckDBPyConnection) -> IndexMethod:
    newest = """newest as (select level, max(period) as period from marts.mart_social_area_index
                           where status_index is not null group by level)"""
    return IndexMethod(
        rules=dict(con.execute("select rule, value from marts.dim_social_index_rules").fetchall()),
        weights=_records(
            con,
            """select component, indicator_id, indicator_name, mss_indicator, weight, weight_share
               from marts.dim_social_index_weights order by component desc, mss_indicator""",
        ),
        classes=_records(
            con,
            """select component, class_rank, class_label, lower_bound, upper_bound, meaning
               from marts.dim_social_index_classes order by component desc, class_rank""",
        ),
        class_counts=_records(
            con,
            f"""with {newest},
                counted as (
                    select 'status' as component, m.level, m.period, m.status_class_rank as class_rank,
                           m.status_class as class_label
                    from marts.mart_social_area_index m join newest using (level, period)
                    union all
                    select 'dynamik', m.level, m.period, m.dynamik_class_rank, m.dynamik_class
                    from marts.mart_social_area_index m join newest using (level, period))
                select c.component, n.level, n.period, c.class_rank, c.class_label,
                       count(k.class_label) as areas
                from marts.dim_social_index_classes c
                cross join newest n
                left join counted k on k.component = c.component and k.level = n.level
                     and k.class_label = c.class_label
                group by all order by n.level, c.component desc, c.class_rank""",
        ),
        robustness=_records(
            con,
            f"""with {newest}
                select r.component, r.level, r.period, max(r.areas_classified) as areas_classified,
                       max(r.areas_changed) as most_changed,
                       -- of the variants that change the most, the first by name: the same on every build
                       first(r.varied_indicator || ' x ' || r.weight_factor
                             order by r.areas_changed desc, r.varied_indicator, r.weight_factor)
                           as worst_variant
                from marts.mart_social_index_robustness r join newest using (level, period)
                group by all order by r.level, r.component desc""",
        ),
    )
