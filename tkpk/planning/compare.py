"""Differences between two plan snapshots (or a snapshot and the current content)."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from django.utils.html import escape


@dataclass
class PlanDiff:
    sections: list[dict[str, Any]] = field(default_factory=list)
    rows_added: list[str] = field(default_factory=list)
    rows_removed: list[str] = field(default_factory=list)
    rows_changed: list[dict[str, Any]] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.sections or self.rows_added or self.rows_removed or self.rows_changed)


def _words(html: str) -> list[str]:
    return re.sub(r"<[^>]+>", " ", html or "").split()


def _highlight(old: str, new: str) -> str:
    """The new text with inserted words in <ins> and deleted words in <del> (escaped)."""
    a, b = _words(old), _words(new)
    out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b).get_opcodes():
        if op == "equal":
            out.append(escape(" ".join(a[i1:i2])))
        if op in ("delete", "replace"):
            out.append(f"<del>{escape(' '.join(a[i1:i2]))}</del>")
        if op in ("insert", "replace"):
            out.append(f"<ins>{escape(' '.join(b[j1:j2]))}</ins>")
    return " ".join(out)


def plan_compare(old: dict[str, Any], new: dict[str, Any]) -> PlanDiff:
    diff = PlanDiff()
    for key, section in new.get("sections", {}).items():
        before = old.get("sections", {}).get(key, {}).get("body", "")
        if _words(before) != _words(section.get("body", "")):
            diff.sections.append(
                {
                    "key": key,
                    "title": section.get("title", key),
                    "html": _highlight(before, section.get("body", "")),
                }
            )
    old_rows, new_rows = old.get("matrix", {}), new.get("matrix", {})
    diff.rows_added = sorted(set(new_rows) - set(old_rows))
    diff.rows_removed = sorted(set(old_rows) - set(new_rows))
    for code in sorted(set(old_rows) & set(new_rows)):
        changes = [
            {"field": f, "old": old_rows[code].get(f), "new": new_rows[code].get(f)}
            for f in sorted(set(old_rows[code]) | set(new_rows[code]))
            if old_rows[code].get(f) != new_rows[code].get(f)
        ]
        if changes:
            diff.rows_changed.append({"code": code, "changes": changes})
    return diff
