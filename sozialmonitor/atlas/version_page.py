"""The version page (`version.html`): which publication the atlas was built from, its checks, tables and
source files, so that every number on the site can be traced to the files it came from."""

from __future__ import annotations

from collections import defaultdict
from html import escape

from sozialmonitor.atlas import fmt
from sozialmonitor.atlas.data import AtlasData
from sozialmonitor.atlas.html import page, published_text, table


def version_page(data: AtlasData) -> str:
    manifest = data.manifest
    checks = manifest.get("checks", {})
    failures = "".join(
        f"<li>{escape(str(f.get('asset')))} {escape(str(f.get('check_name')))} "
        f"({escape(str(f.get('severity')))})</li>"
        for f in checks.get("failures", [])
    )
    tables = [
        f'<tr><th scope="row"><code>{escape(name)}</code></th>'
        f'<td class="zahl">{fmt.number(info.get("rows", 0))}</td>'
        f"<td><code>{escape(str(info.get('parquet', '')))}</code></td></tr>"
        for name, info in manifest.get("tables", {}).items()
    ]
    per_source: dict[str, int] = defaultdict(int)
    for source in manifest.get("source_files", []):
        per_source[source["source_id"]] += 1
    files = [
        f"<tr><td>{escape(s['source_id'])}</td><td>{escape(s['file_name'])}</td>"
        f'<td><code title="{escape(s["sha256"])}">{escape(s["sha256"][:16])}…</code></td></tr>'
        for s in manifest.get("source_files", [])
    ]
    warnings_only = (
        " (nur Warnungen: blockierende Prüfungen verhindern die Veröffentlichung)"
        if checks.get("failed")
        else ""
    )
    sources = "".join(f"<li>{escape(k)}: {v} Dateien</li>" for k, v in sorted(per_source.items()))
    body = (
        "<h1>Version und Herkunft</h1>"
        "<p>Der Atlas wird bei jeder Veröffentlichung neu erzeugt und gehört zu ihr: er zeigt genau die "
        "Daten dieser Version (Ordner <code>published/&lt;version&gt;/</code>, Datei "
        "<code>warehouse.duckdb</code>).</p>"
        '<dl class="steckbrief">'
        f"<dt>Version</dt><dd><code>{escape(str(manifest.get('version', '')))}</code></dd>"
        f"<dt>Lauf</dt><dd><code>{escape(str(manifest.get('run_id', '')))}</code></dd>"
        f"<dt>Veröffentlicht</dt><dd>{published_text(manifest)} (UTC)</dd>"
        f"<dt>Prüfungen</dt><dd>{checks.get('passed', 0)} bestanden, "
        f"{checks.get('failed', 0)} nicht bestanden{warnings_only}</dd>"
        f'<dt>Manifest</dt><dd><a href="manifest.json">manifest.json</a></dd></dl>'
        + (f"<h2>Nicht bestandene Prüfungen</h2><ul>{failures}</ul>" if failures else "")
        + "<h2>Tabellen</h2>"
        + table(["Tabelle", "Zeilen", "Parquet-Datei"], tables, css="tabellen")
        + f"<h2>Quelldateien</h2><ul>{sources}</ul>"
        + "<details><summary>Alle Quelldateien mit Prüfsumme (SHA-256)</summary>"
        + table(["Quelle", "Datei", "SHA-256"], files, css="quellen")
        + "</details>"
    )
    return page("Version", body, data)
