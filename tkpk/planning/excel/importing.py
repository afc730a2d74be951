"""``matrix_import``: the upload is read and checked completely (every row, every column) and
applied only when the whole file is valid, in one transaction, through
``services.matrix_row_save``: never partially."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tkpk.accounts.models import Organisation, User
from tkpk.planning.excel.access import matrix_organisation_allowed
from tkpk.planning.excel.reading import RowError, _FileError, _read
from tkpk.planning.excel.validate import _Validator
from tkpk.planning.models import MatrixRow, Plan, PlanKind
from tkpk.planning.services import matrix_row_save


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class _RollbackError(Exception):
    pass


def _messages(error: ValidationError | PermissionDenied) -> str:
    if isinstance(error, ValidationError):
        return " ".join(str(m) for m in error.messages)
    return str(error) or _("An OPD edits only its own rows.")


def matrix_import(
    *, plan: Plan, organisation: Organisation, data: bytes, by: User | None
) -> ImportResult:
    """Check the whole upload, then apply it in one transaction, or apply nothing."""
    if by is not None and not matrix_organisation_allowed(user=by, organisation=organisation):
        raise PermissionDenied(_("An OPD edits only its own rows."))
    if plan.kind != PlanKind.RAT:
        return ImportResult(
            errors=[RowError(None, "", _("Only a RAT has a matrix of success targets."))]
        )
    if plan.is_locked:
        return ImportResult(
            errors=[
                RowError(
                    None,
                    "",
                    _(
                        "The plan is enacted and locked; nothing was changed. Changes need an "
                        "amendment (a new version)."
                    ),
                )
            ]
        )
    try:
        items = _read(data)
    except _FileError as exc:
        return ImportResult(errors=[RowError(None, "", str(exc))])
    validator = _Validator(plan=plan, organisation=organisation, items=items)
    validator.run()
    errors = [e for item in items for e in item.errors]
    if errors:
        return ImportResult(errors=errors)
    result = ImportResult()
    try:
        with transaction.atomic():
            _apply(plan=plan, organisation=organisation, validator=validator, by=by, result=result)
    except _RollbackError:
        return ImportResult(errors=result.errors)
    return result


def _apply(
    *,
    plan: Plan,
    organisation: Organisation,
    validator: _Validator,
    by: User | None,
    result: ImportResult,
) -> None:
    saved: dict[str, MatrixRow] = {}

    def row_for(code: str) -> MatrixRow | None:
        if not code:
            return None
        return saved.get(code) or validator.existing.get(code)

    for item in validator.items:
        values = validator.model_values(item)
        regions = [validator.regions[c] for c in item.values.get("locations") or []]
        try:
            if item.existing is None:
                data = values | {
                    "opd": organisation,
                    "parent": row_for(str(item.values.get("parent") or "")),
                    "locations": regions,
                }
                saved[item.code] = matrix_row_save(plan=plan, by=by, data=data)
                result.created += 1
            elif item.changes:
                data = dict(item.changes)
                if "parent" in data:
                    data["parent"] = row_for(data["parent"])
                if "locations" in data:
                    data["locations"] = regions
                saved[item.code] = matrix_row_save(
                    plan=plan,
                    by=by,
                    row=item.existing,
                    lock_version=item.values["lock_version"],
                    data=data,
                )
                result.updated += 1
            else:
                result.unchanged += 1
        except (ValidationError, PermissionDenied) as exc:
            result.errors.append(RowError(item.line, "", _messages(exc)))
            result.created = result.updated = result.unchanged = 0
            raise _RollbackError from exc
