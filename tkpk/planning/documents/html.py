"""A section's simple HTML as blocks: paragraphs, lists and tables of bold/italic runs.

Every other tag and attribute is dropped, and the content of scripts, styles and embedded
objects with it, so the DOCX and the PDF never carry markup from a section body."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Run:
    text: str
    bold: bool = False
    italic: bool = False


@dataclass
class Item:
    depth: int
    runs: list[Run]
    number: int = 0


@dataclass
class GridRow:
    cells: list[list[Run]] = field(default_factory=list)
    header: bool = True


@dataclass
class Block:
    """A paragraph (``p``), a list (``ul``/``ol``) or a table (``grid``) from a section."""

    kind: str
    runs: list[Run] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    rows: list[GridRow] = field(default_factory=list)


_DROP_TAGS = "script style template iframe object svg math noscript head title textarea select"
_DROP = frozenset(_DROP_TAGS.split()) | {"button"}
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_BREAKS = frozenset({"p", "div", "blockquote", "section", "article", "pre"}) | _HEADINGS


class _BodyParser(HTMLParser):
    """Keeps text, paragraphs, lists, bold/italic and tables; drops every other tag and
    attribute, and the content of scripts, styles and embedded objects."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self._bold = self._italic = self._drop = self._depth = self._tables = 0
        self._runs: list[Run] | None = None  # the paragraph, list item or cell being filled
        self._list: Block | None = None
        self._table: Block | None = None
        self._row: GridRow | None = None

    def _target(self) -> list[Run]:
        if self._runs is None:
            if self._table is not None:
                if self._row is None:
                    self._row = GridRow(header=False)
                    self._table.rows.append(self._row)
                self._runs = []
                self._row.cells.append(self._runs)
            elif self._list is not None:
                self._list.items.append(Item(depth=max(self._depth - 1, 0), runs=[]))
                self._runs = self._list.items[-1].runs
            else:
                self.blocks.append(Block("p"))
                self._runs = self.blocks[-1].runs
        return self._runs

    def _soft_break(self) -> None:
        if self._runs:
            self._runs.append(Run("\n"))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROP:
            self._drop += 1
        elif self._drop:
            return
        elif tag in {"strong", "b"} or tag in _HEADINGS:
            self._bold += 1
            self._start_break(tag)
        elif tag in {"em", "i"}:
            self._italic += 1
        elif tag == "br":
            self._target().append(Run("\n"))
        elif tag in {"ul", "ol"}:
            self._start_list(tag)
        elif tag == "li":
            self._start_item()
        elif tag in {"table", "tr", "td", "th"}:
            self._start_table_part(tag)
        elif tag in _BREAKS:
            self._start_break(tag)

    def _start_break(self, tag: str) -> None:
        if tag not in _BREAKS:
            return
        if self._table is not None or self._list is not None:
            self._soft_break()
        else:
            self._runs = None

    def _start_list(self, tag: str) -> None:
        if self._table is not None:
            self._soft_break()
            return
        if self._list is None:
            self._list = Block(tag)
            self.blocks.append(self._list)
        self._depth += 1
        self._runs = None

    def _start_item(self) -> None:
        if self._table is not None:
            self._soft_break()
            self._target().append(Run("• "))
        else:
            self._runs = None
            self._target()

    def _start_table_part(self, tag: str) -> None:
        if tag == "table":
            self._tables += 1
            if self._tables == 1:
                self._list, self._depth, self._runs, self._row = None, 0, None, None
                self._table = Block("grid")
                self.blocks.append(self._table)
        elif self._tables > 1 or self._table is None:  # a nested table flattens into its cell
            if tag == "tr":
                self._soft_break()
            else:
                self._target().append(Run(" "))
        elif tag == "tr":
            self._row, self._runs = GridRow(), None
            self._table.rows.append(self._row)
        else:
            self._runs = None
            self._target()
            if self._row is not None:
                self._row.header = self._row.header and tag == "th"

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROP:
            self._drop = max(self._drop - 1, 0)
            return
        if self._drop:
            return
        if tag in {"strong", "b"} or tag in _HEADINGS:
            self._bold = max(self._bold - 1, 0)
        elif tag in {"em", "i"}:
            self._italic = max(self._italic - 1, 0)
        elif tag in {"ul", "ol"} and self._table is None and self._list is not None:
            self._depth -= 1
            if self._depth <= 0:
                self._list, self._depth = None, 0
        elif tag == "table" and self._tables:
            self._tables -= 1
            if not self._tables:
                self._table = self._row = None
        elif tag == "tr" and self._tables == 1:
            self._row = None
        if self._ends_text(tag):
            self._runs = None

    def _ends_text(self, tag: str) -> bool:
        if self._table is None and tag in {"ul", "ol", "li", "table"}:
            return True
        if self._tables == 1:
            return tag in {"td", "th", "tr"}
        return tag in _BREAKS and self._table is None and self._list is None

    def handle_data(self, data: str) -> None:
        if self._drop:
            return
        text = re.sub(r"\s+", " ", data)
        if self._runs is None and not text.strip():
            return
        runs = self._target()
        bold, italic = self._bold > 0, self._italic > 0
        if runs and runs[-1].bold == bold and runs[-1].italic == italic:
            runs[-1].text += text
        else:
            runs.append(Run(text, bold, italic))


def _tidy(runs: list[Run]) -> list[Run]:
    merged: list[Run] = []
    for run in runs:
        if merged and (merged[-1].bold, merged[-1].italic) == (run.bold, run.italic):
            merged[-1] = Run(merged[-1].text + run.text, run.bold, run.italic)
        else:
            merged.append(Run(run.text, run.bold, run.italic))
    for run in merged:
        run.text = re.sub(r" *\n *", "\n", run.text)
    if merged:
        merged[0].text = merged[0].text.lstrip()
        merged[-1].text = merged[-1].text.rstrip()
    return [r for r in merged if r.text]


def html_blocks(html: str) -> list[Block]:
    """Convert a section's simple HTML into paragraphs, lists and tables; nothing else passes."""
    parser = _BodyParser()
    parser.feed(html or "")
    parser.close()
    blocks: list[Block] = []
    for block in parser.blocks:
        block.runs = _tidy(block.runs)
        counters: dict[int, int] = {}
        for item in block.items:
            item.runs = _tidy(item.runs)
            counters = {d: n for d, n in counters.items() if d <= item.depth}
            counters[item.depth] = item.number = counters.get(item.depth, 0) + 1
        block.items = [i for i in block.items if i.runs]
        for row in block.rows:
            row.cells = [_tidy(cell) for cell in row.cells]
        block.rows = [r for r in block.rows if any(r.cells)]
        width = max((len(r.cells) for r in block.rows), default=0)
        for row in block.rows:
            row.cells += [[] for _ in range(width - len(row.cells))]
        if block.runs or block.items or block.rows:
            blocks.append(block)
    return blocks
