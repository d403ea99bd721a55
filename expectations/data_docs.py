"""GX's own Data Docs for a gate run: the validation-result page a failed check links to.

`write_data_docs` renders with GX's machinery, nothing hand-made: an ephemeral context whose
expectation-suite and validation-result stores are folders under `docs_dir`, a Data Docs site (a
`SiteBuilder` on a `TupleFilesystemStoreBackend`) at `docs_dir`, built as `context.build_data_docs`
builds it, but with one context and site per process and folder (`_docs_site`). It writes nothing
outside `docs_dir`; GX's temporary docs site is not created and analytics are off.

Each gate step writes its suite's pages; the index, which lists every suite's runs, is built once
after the run (`update_index`, called with the run report), not by each of the six steps: each build
lists every stored result (a list that grows by six a night) and reads the newest `INDEX_RUNS`, about
0.1-0.17 s a build at x100 (six builds 0.6-1.0 s of the night, measured in issue 13's fifth round).

Layout of `docs_dir` (e.g. `<data>/gate/data_docs/`)::

    index.html                                   the newest `INDEX_RUNS` suite runs, every suite
    validations/<suite.name as folders>/<run_name>/<run time>/all_rows.html   one page per suite run
    expectations/<suite.name as folders>.html    the suite as GX renders it
    static/                                      GX's CSS, fonts and images
    stores/expectation_suites/, stores/validation_results/   what the site is built from (JSON)

Why the stores are files and not in memory: when GX builds the index page it deletes every page whose
suite or validation result its stores do not hold. Each suite is validated in its own context (in
its own Dagster step), so in-memory stores would make every build delete the pages of the other
suites and of earlier runs, and the links in earlier check results would break. With the stores
under `docs_dir`, pages stay for as long as `docs_dir` is kept. The index lists the newest
`INDEX_RUNS` suite runs (it reads every result it lists; older pages stay, unlisted). Each run adds one
page and one result JSON of ~80 kB each per suite (fact suite, 44 expectations); nothing is pruned.

Chunks: a row-local suite is validated in chunks (see `expectations/validate.py`), giving one GX
result per chunk. They are merged into one `ExpectationSuiteValidationResult` and rendered as one
page, because a gate reader wants one verdict per check over the whole table, not one page per
million rows: per expectation, counts are summed, percentages recomputed from the sums, the first
`MAX_EXAMPLES` unexpected values and rows kept and the value counts added up, success is the AND over
chunks and the first exception is kept. Only row-local expectations are ever chunked, so no
table-level observed value has to be combined.
"""

from __future__ import annotations

import copy
import functools
import json
import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

from expectations.result_format import MAX_EXAMPLES
from expectations.suites import Suite

if TYPE_CHECKING:
    from great_expectations.core.expectation_validation_result import (
        ExpectationSuiteValidationResult,
    )

SITE_NAME = "gate"
BATCH_IDENTIFIER = "all_rows"
INDEX_RUNS = 100  # the index lists the newest validation runs (it reads each one's result to list it)
SUMMED = ("element_count", "unexpected_count", "missing_count")
LISTS = ("partial_unexpected_list", "partial_unexpected_index_list")


def write_data_docs(
    suite: Suite,
    results: Sequence[ExpectationSuiteValidationResult],
    docs_dir: Path,
    run_name: str = "gate",
    element_counts: dict[str, int] | None = None,
) -> Path:
    """Render the validation of `suite` (its GX results, one per chunk, in table order) into GX Data
    Docs under `docs_dir` and return the path of its validation-result page (the index page if GX
    did not write the page; GX logs rendering errors instead of raising them). `element_counts`: per
    check, the rows of the whole relation it judged, where GX saw only those DuckDB found could fail."""
    if not results:
        raise ValueError(f"no validation results for suite {suite['name']}")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    docs_dir = docs_dir.resolve()
    context, site = _docs_site(docs_dir)
    # The suite page shows notes under each expectation: which asset check it is. (GX 1.24 renders no
    # notes on the validation page, and its "meta_properties_to_render" columns fail validation there.)
    # A copy of the meta: GX adds its version to the meta it is given, and the runs of one process (the
    # Dagster daemon's, the tests') share the loaded suites, which must stay as the catalog built them.
    expectations = [{**item, "notes": _notes(item)} for item in suite["expectations"]]
    _store_suite(
        context, gx.ExpectationSuite(name=suite["name"], expectations=expectations, meta=dict(suite["meta"]))
    )

    run_id = RunIdentifier(run_name=run_name, run_time=datetime.now(UTC))
    merged = merge_results(results)
    for item in merged.results if element_counts else []:
        if item.result and "unexpected_count" in item.result:
            item.result["element_count"] = element_counts[item.expectation_config.meta["check_name"]]
            _recompute_percentages(item.result)
    merged.meta["run_id"] = run_id
    merged.meta["validation_time"] = run_id.run_time
    # GX's page header shows the data asset from the batch spec; a pandas batch spec does not name it
    merged.meta["batch_spec"] = {
        **merged.meta.get("batch_spec", {}),
        "data_asset_name": suite["meta"]["relation"],
    }

    suite_key = ExpectationSuiteIdentifier(name=suite["name"])
    result_key = ValidationResultIdentifier(
        expectation_suite_identifier=suite_key, run_id=run_id, batch_identifier=BATCH_IDENTIFIER
    )
    # stored before the pages are built: a concurrent index build keeps this page
    context.validation_results_store.set(result_key, merged)
    site.build(resource_identifiers=[suite_key, result_key], build_index=False)
    url = site.get_resource_url(resource_identifier=result_key)
    return _path_of(url) if url else docs_dir / "index.html"


def update_index(docs_dir: Path) -> bool:
    """Build `index.html` of the Data Docs in `docs_dir` anew if a validation result was stored after it
    was written (a gate ran since); whether it did. Nothing to list, nothing built: a run without a gate
    step does not import GX for it."""
    results = docs_dir / "stores" / "validation_results"
    newest = max((path.stat().st_mtime_ns for path in results.rglob("*.json")), default=None)
    index = docs_dir / "index.html"
    if newest is None or (index.exists() and index.stat().st_mtime_ns >= newest):
        return False
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    _, site = _docs_site(docs_dir.resolve())
    site.site_index_builder.build()
    return True


def _store_suite(context: Any, suite: Any) -> None:
    """Store the suite its page is rendered from, unless the store holds it already. GX's
    `add_or_update` matches each expectation against every stored one, comparing their ids too, which
    an expectation not yet stored lacks: for the fact suite's 48 expectations 2,304 comparisons of
    two pydantic dicts that never match (0.18-0.28 s of the gate step at x100), then it stores the
    suite with new expectation ids. Compared here without ids, in one pass (0.07 s); the page shows no
    ids, so it is the same either way."""
    from great_expectations.exceptions import DataContextError

    try:
        stored = context.suites.get(suite.name)
    except DataContextError:
        context.suites.add(suite)
        return
    if _without_ids(stored) != _without_ids(suite):
        context.suites.add_or_update(suite)


def _without_ids(suite: Any) -> dict[str, Any]:
    plain = suite.to_json_dict()
    plain.pop("id", None)
    plain["expectations"] = [
        {key: value for key, value in item.items() if key != "id"} for item in plain["expectations"]
    ]
    return plain


def merge_results(results: Sequence[ExpectationSuiteValidationResult]) -> ExpectationSuiteValidationResult:
    """One suite result from the results of the chunks of one table (see the module docstring); the
    inputs are left as they are. Expectations are matched by their `check_name`."""
    from great_expectations.core.expectation_validation_result import (
        ExpectationSuiteValidationResult,
    )

    first, rest = results[0], results[1:]
    merged_items = []
    for item in first.results:
        name = item.expectation_config.meta["check_name"]
        same = [item] + [
            other
            for chunk in rest
            for other in chunk.results
            if other.expectation_config.meta["check_name"] == name
        ]
        merged_items.append(_merge_item(same))
    evaluated = len(merged_items)
    successful = sum(bool(item.success) for item in merged_items)
    meta = copy.deepcopy(first.meta)
    if rest:  # the first chunk's fingerprint and load time do not describe the table
        meta["batch_markers"] = {"chunks": len(results)}
    return ExpectationSuiteValidationResult(
        success=successful == evaluated,
        results=merged_items,
        suite_name=first.suite_name,
        suite_parameters=first.suite_parameters,
        statistics={
            "evaluated_expectations": evaluated,
            "successful_expectations": successful,
            "unsuccessful_expectations": evaluated - successful,
            "success_percent": successful / evaluated * 100 if evaluated else None,
        },
        meta=meta,
    )


def _merge_item(items: list[Any]) -> Any:
    merged = copy.deepcopy(items[0])
    if len(items) == 1:
        return merged
    merged.success = all(item.success for item in items)
    raised = [item.exception_info for item in items if item.exception_info.get("raised_exception")]
    if raised:
        merged.exception_info = copy.deepcopy(raised[0])
    details = [item.result or {} for item in items]
    result = merged.result
    for key in SUMMED:
        if key in result:
            result[key] = sum(int(part.get(key) or 0) for part in details)
    for key in LISTS:
        if key in result:
            result[key] = [value for part in details for value in part.get(key) or []][:MAX_EXAMPLES]
    if "partial_unexpected_counts" in result:
        result["partial_unexpected_counts"] = _merge_counts(details)
    if "unexpected_count" in result:
        _recompute_percentages(result)
    return merged


def _merge_counts(details: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add up GX's most-common unexpected values of the chunks (each counted from the chunk's first
    unexpected values, as GX counts them on a single frame)."""
    counts: dict[str, dict[str, Any]] = {}
    for part in details:
        for entry in part.get("partial_unexpected_counts") or []:
            if "value" not in entry:  # GX's {"error": ...} for unhashable values
                continue
            key = json.dumps(entry["value"], default=str, sort_keys=True)
            counts.setdefault(key, {"value": entry["value"], "count": 0})["count"] += entry["count"]
    return sorted(counts.values(), key=lambda entry: -entry["count"])[:MAX_EXAMPLES]


def _recompute_percentages(result: dict[str, Any]) -> None:
    """As GX's `_format_map_output` computes them, from the summed counts."""
    elements, unexpected = result.get("element_count") or 0, result["unexpected_count"]
    total = unexpected / elements * 100 if elements else None
    if "missing_count" in result:
        missing = result["missing_count"]
        nonmissing = elements - missing
        result["missing_percent"] = missing / elements * 100 if elements else None
        result["unexpected_percent_total"] = total
        result["unexpected_percent_nonmissing"] = unexpected / nonmissing * 100 if nonmissing > 0 else None
        result["unexpected_percent"] = result["unexpected_percent_nonmissing"]
    else:
        result["unexpected_percent"] = total


def _notes(item: dict[str, Any]) -> list[str]:
    """Shown by GX under each expectation of the suite page."""
    return [f"Asset check `{item['meta']['check_name']}` ({item['severity']})", item["meta"]["description"]]


@functools.cache
def _docs_site(docs_dir: Path) -> tuple[Any, Any]:
    """The docs context and its site builder, made once per process and folder: what
    `context.build_data_docs` does, without building a new site for every call. A new site compiles
    GX's Jinja templates anew (their cache belongs to the site's views), most of a page's rendering
    time; the gate validates its suites one after another in one process (Dagster's in-process
    executor, the bench's gate phase), so the templates are compiled once per run, not once per suite
    (the six suites' pages at x10: 3.1-3.2 s with a new site each, 1.2-1.5 s with one; load 5)."""
    from great_expectations.render.renderer.site_builder import SiteBuilder

    context = _docs_context(docs_dir)
    site_config = dict(context.variables.data_docs_sites[SITE_NAME])
    site_config.pop("class_name")
    site = SiteBuilder(
        data_context=context, site_name=SITE_NAME, root_directory=context.root_directory, **site_config
    )
    return context, site


def _docs_context(docs_dir: Path) -> Any:
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    defaults = InMemoryStoreBackendDefaults(init_temp_docs_sites=False)
    for store_name, folder in (
        (defaults.expectations_store_name, "expectation_suites"),
        (defaults.validation_results_store_name, "validation_results"),
    ):
        defaults.stores[store_name]["store_backend"] = {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": str(docs_dir / "stores" / folder),
        }
    defaults.data_docs_sites = {
        SITE_NAME: {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
            "site_index_builder": {
                "class_name": "DefaultSiteIndexBuilder",
                "validation_results_limit": INDEX_RUNS,
            },
            "site_section_builders": {"profiling": "False"},
        }
    }
    return gx.get_context(
        mode="ephemeral",
        project_config=DataContextConfig(
            store_backend_defaults=defaults, progress_bars=ProgressBarsConfig(globally=False)
        ),
    )


def _path_of(url: str) -> Path:
    return Path(unquote(urlparse(url).path))
