"""Reading the atlas as a person does: its HTML as a tree, its CSV files, numbers in German, and the
warehouse queries the pages are checked against."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from sozialmonitor.settings import DataPaths
from tests.support import published

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)

    def text(self) -> str:
        return "".join(child if isinstance(child, str) else child.text() for child in self.children)

    def iter(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.iter()

    def find_all(self, tag: str | None = None, css: str | None = None, **attrs: str) -> list[Node]:
        return [
            node
            for node in self.iter()
            if (tag is None or node.tag == tag)
            and (css is None or css in node.attrs.get("class", "").split())
            and all(node.attrs.get(key.replace("_", "-")) == value for key, value in attrs.items())
        ]

    def cells(self) -> list[Node]:
        """The element children (a row's th and td, in order)."""
        return [child for child in self.children if isinstance(child, Node)]

    def find(self, tag: str | None = None, css: str | None = None, **attrs: str) -> Node:
        found = self.find_all(tag, css, **attrs)
        assert found, f"no <{tag} class={css} {attrs}>"
        return found[0]


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {key: value or "" for key, value in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, {key: value or "" for key, value in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(html: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def read_page(atlas: Path, name: str) -> Node:
    return parse((atlas / name).read_text(encoding="utf-8"))


def read_csv(path: Path) -> list[dict[str, str]]:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("\ufeff")  # BOM: Excel reads the umlauts right
    header, *rows = csv.reader(io.StringIO(text[1:]), delimiter=";")
    return [dict(zip(header, row, strict=True)) for row in rows]


def german(value: float, decimals: int) -> str:
    """What a person expects: decimal comma, point between thousands."""
    return f"{value:,.{decimals}f}".replace(",", "_").replace(".", ",").replace("_", ".")


def newest_gemeinde_period(paths: DataPaths, indicator: str) -> str:
    ((period,),) = published(
        paths,
        """select max(period)::varchar
           from marts.fct_indicator_values f join marts.dim_area a using (area_id)
           where indicator_id = ? and a.level = 'gemeinde'
             and (value is not null or status = 'suppressed')""",
        [indicator],
    )
    return period


def gemeinde_values(paths: DataPaths, indicator: str, period: str) -> list[tuple]:
    """(area_id, name, value, status), highest value first, ties by name: the order a ranking shows."""
    return published(
        paths,
        """select a.area_id, a.name, f.value, f.status
           from marts.fct_indicator_values f join marts.dim_area a using (area_id)
           where f.indicator_id = ? and a.level = 'gemeinde' and f.period = ?::date
           order by f.value desc nulls last, a.name""",
        [indicator, period],
    )
