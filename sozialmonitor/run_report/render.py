"""The report's blocks as Markdown and as HTML, written atomically beside `reports/latest.*`."""

from __future__ import annotations

import html
from datetime import UTC
from pathlib import Path

from sozialmonitor.files import write_text_atomically
from sozialmonitor.run_report.model import RunReport
from sozialmonitor.run_report.sections import Block, blocks
from sozialmonitor.settings import DataPaths


def reports_dir(paths: DataPaths) -> Path:
    return paths.root / "reports"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(items: list[Block]) -> str:
    lines: list[str] = []
    for kind, content in items:
        if kind == "h1":
            lines += [f"# {content}", ""]
        elif kind == "h2":
            lines += [f"## {content}", ""]
        elif kind == "p":
            lines += [str(content), ""]
        elif kind == "ul":
            lines += [f"- {item}" for item in content] + [""]
        elif kind == "table":
            header, rows = content
            lines.append("| " + " | ".join(header) + " |")
            lines.append("|" + "---|" * len(header))
            lines += ["| " + " | ".join(_cell(cell) for cell in row) + " |" for row in rows]
            lines.append("")
    return "\n".join(lines)


def _inline_html(text: str) -> str:
    """Escape, then the two inline marks the report uses: **bold** and `code`."""
    parts = html.escape(text).split("**")
    text = "".join(f"<strong>{part}</strong>" if index % 2 else part for index, part in enumerate(parts))
    parts = text.split("`")
    return "".join(f"<code>{part}</code>" if index % 2 else part for index, part in enumerate(parts))


STYLE = """body{font-family:system-ui,sans-serif;margin:2em;max-width:80em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1em}
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left}
th{background:#f2f2f2}td:not(:first-child){font-variant-numeric:tabular-nums}code{background:#f6f6f6}"""


def render_html(items: list[Block], title: str) -> str:
    body: list[str] = []
    for kind, content in items:
        if kind in ("h1", "h2", "p"):
            body.append(f"<{kind}>{_inline_html(str(content))}</{kind}>")
        elif kind == "ul":
            body.append("<ul>" + "".join(f"<li>{_inline_html(item)}</li>" for item in content) + "</ul>")
        elif kind == "table":
            header, rows = content
            head = "".join(f"<th>{_inline_html(cell)}</th>" for cell in header)
            cells = "".join(
                "<tr>" + "".join(f"<td>{_inline_html(cell)}</td>" for cell in row) + "</tr>" for row in rows
            )
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{cells}</tbody></table>")
    return (
        f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{STYLE}</style></head>\n<body>\n" + "\n".join(body) + "\n</body></html>\n"
    )


def write(report: RunReport, paths: DataPaths) -> Path:
    """The report as `reports/runs/<start>-<run id>.md` and `.html`, and as `reports/latest.*`."""
    main = report.main_run
    started = main.started or report.written_at
    stem = f"{started.astimezone(UTC):%Y%m%dT%H%M%S}-{main.run_id}"
    items = blocks(report, paths)
    markdown, page = render_markdown(items), render_html(items, f"Run report {main.job_name} {main.run_id}")
    runs = reports_dir(paths) / "runs"
    report.path, report.html_path = runs / f"{stem}.md", runs / f"{stem}.html"
    write_text_atomically(report.path, markdown)
    write_text_atomically(report.html_path, page)
    write_text_atomically(reports_dir(paths) / "latest.md", markdown)
    write_text_atomically(reports_dir(paths) / "latest.html", page)
    return report.path
