"""Checking every parsed row against the plan as it will be once the whole file is applied."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext as _

from tkpk.accounts.models import Organisation
from tkpk.planning.excel.layout import LEVEL_RANK, NUMBER_FIELDS, VALUE_FIELDS
from tkpk.planning.excel.reading import _Item
from tkpk.planning.models import MatrixRow, Plan, RowLevel
from tkpk.regions.models import Level, Region


class _Validator:
    """Checks every row against the plan as it will be once the whole file is applied."""

    def __init__(self, *, plan: Plan, organisation: Organisation, items: list[_Item]) -> None:
        self.plan, self.organisation, self.items = plan, organisation, items
        self.existing = {
            r.code: r
            for r in plan.matrix.select_related("opd", "parent", "updated_by").prefetch_related(
                "locations"
            )
        }
        self.in_file: dict[str, _Item] = {}
        codes = {c for item in items for c in item.values.get("locations") or []}
        self.regions = {r.pk: r for r in Region.objects.filter(pk__in=codes)}

    def final_level(self, code: str) -> str:
        item = self.in_file.get(code)
        if item is not None:
            return str(item.values.get("level") or "")
        return self.existing[code].level

    def run(self) -> None:
        identified = [item for item in self.items if self.identify(item)]
        for item in identified:
            if not {"level", "parent"} & item.failed:
                self.check_tree(item)
            if "locations" not in item.failed:
                self.check_locations(item)
            self.check_fields(item)
            if not item.errors and item.existing is not None:
                self.check_version(item)

    def identify(self, item: _Item) -> bool:
        """Whether the row names a code this OPD may write (then its other cells are checked)."""
        code = item.code
        if "code" in item.failed:
            return False
        if not code:
            item.error("code", _("the code is empty"))
            return False
        if code in self.in_file:
            item.error(
                "code",
                _("code %(code)s appears again (first in row %(row)s)")
                % {"code": code, "row": self.in_file[code].line},
            )
            return False
        self.in_file[code] = item
        item.existing = self.existing.get(code)
        version = item.values.get("lock_version")
        if item.existing is not None and item.existing.opd_id != self.organisation.pk:
            item.error(
                "code",
                _("code %(code)s belongs to another OPD (%(opd)s)")
                % {"code": code, "opd": item.existing.opd},
            )
            return False
        if item.existing is None and version is not None:
            item.error(
                "code",
                _(
                    "code %(code)s is not in the plan, yet this row carries the version of an "
                    "existing row: either the row was deleted after the template was downloaded, "
                    "or its code was changed (a code cannot be changed through the file; add new "
                    "rows in the empty lines below)"
                )
                % {"code": code},
            )
        return True

    def check_tree(self, item: _Item) -> None:
        level = str(item.values.get("level") or "")
        if not level:
            item.error("level", _("the level is empty"))
            return
        parent_code = str(item.values.get("parent") or "")
        if not parent_code:
            if level != RowLevel.PROGRAMME:
                item.error(
                    "parent",
                    _("a %(level)s needs a parent code") % {"level": RowLevel(level).label},
                )
        elif level == RowLevel.PROGRAMME:
            item.error("parent", _("a programme has no parent code"))
        else:
            self.check_parent(item, level, parent_code)
        if item.existing is not None and item.existing.level != level:
            self.check_children(item, level)

    def check_parent(self, item: _Item, level: str, parent_code: str) -> None:
        earlier = self.in_file.get(parent_code)
        if earlier is not None and earlier.line > item.line and parent_code not in self.existing:
            earlier = None
        if earlier is None and parent_code not in self.existing:
            item.error(
                "parent",
                _("parent code %(code)s is neither in the plan nor in an earlier row")
                % {"code": parent_code},
            )
            return
        parent_row = self.existing.get(parent_code)
        if parent_row is not None and parent_row.opd_id != self.organisation.pk:
            item.error(
                "parent",
                _("parent %(code)s belongs to another OPD (%(opd)s)")
                % {"code": parent_code, "opd": parent_row.opd},
            )
            return
        parent_level = self.final_level(parent_code)
        if parent_level in LEVEL_RANK and LEVEL_RANK[parent_level] >= LEVEL_RANK[level]:
            item.error(
                "parent",
                _("parent %(code)s is a %(parent_level)s; a %(level)s goes under a higher level")
                % {
                    "code": parent_code,
                    "parent_level": RowLevel(parent_level).label,
                    "level": RowLevel(level).label,
                },
            )

    def check_children(self, item: _Item, level: str) -> None:
        """A new level must stay above the rows under it that the file does not move."""
        if item.existing is None:
            return
        below = [
            row.code
            for row in self.existing.values()
            if row.parent_id == item.existing.pk
            and row.code not in self.in_file
            and LEVEL_RANK[row.level] <= LEVEL_RANK[level]
        ]
        if below:
            item.error(
                "level",
                _("the rows under it (%(codes)s) would no longer be at a lower level")
                % {"codes": ", ".join(sorted(below))},
            )

    def check_locations(self, item: _Item) -> None:
        codes = item.values.get("locations") or []
        unknown = [c for c in codes if c not in self.regions]
        if unknown:
            item.error(
                "locations",
                _("unknown kelurahan code: %(codes)s") % {"codes": ", ".join(unknown)},
            )
        others = [
            c for c in codes if c in self.regions and self.regions[c].level != Level.KELURAHAN
        ]
        if others:
            item.error(
                "locations",
                _("not a kelurahan code: %(codes)s") % {"codes": ", ".join(others)},
            )

    def check_fields(self, item: _Item) -> None:
        """The model's own rules (lengths, decimals, budget not negative), before any write."""
        if item.existing is not None:
            candidate = copy.copy(item.existing)
        else:
            candidate = MatrixRow(plan=self.plan, opd=self.organisation)
        values = self.model_values(item)
        for name, value in values.items():
            setattr(candidate, name, value)
        try:
            candidate.full_clean(
                exclude=[
                    "plan",
                    "parent",
                    "opd",
                    "rpkd_programme",
                    "rpkd_target",
                    "updated_by",
                    *item.failed,  # already reported
                ],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                column = name if name != NON_FIELD_ERRORS else ""
                for message in messages:
                    item.error(column, message)
        if item.existing is not None:
            item.changes = self.changes(item, values)

    @staticmethod
    def model_values(item: _Item) -> dict[str, Any]:
        values = {name: item.values.get(name, "") for name in VALUE_FIELDS}
        values |= {name: item.values.get(name) for name in NUMBER_FIELDS}
        if values["budget"] is None:
            values["budget"] = Decimal(0)
        return values

    def changes(self, item: _Item, values: dict[str, Any]) -> dict[str, Any]:
        row = item.existing
        if row is None:
            return {}
        changed = {k: v for k, v in values.items() if k != "code" and getattr(row, k) != v}
        parent_code = str(item.values.get("parent") or "")
        if parent_code != (row.parent.code if row.parent else ""):
            changed["parent"] = parent_code
        codes = sorted(item.values.get("locations") or [])
        if codes != sorted(r.pk for r in row.locations.all()):
            changed["locations"] = codes
        return changed

    def check_version(self, item: _Item) -> None:
        row = item.existing
        if row is None:
            return
        version = item.values.get("lock_version")
        if item.changes and version is None:
            item.error(
                "code",
                _(
                    "code %(code)s already exists in the plan (added after the template was "
                    "downloaded?); download a new template"
                )
                % {"code": row.code},
            )
        elif item.changes and version != row.lock_version:
            who = row.updated_by.get_full_name() if row.updated_by else _("someone")
            item.error(
                "",
                _(
                    "%(who)s changed this row after the template was downloaded (version "
                    "%(current)s, the file has %(sheet)s); download a new template and apply "
                    "your changes again"
                )
                % {"who": who, "current": row.lock_version, "sheet": version},
            )
