"""Permission-aware reads of beneficiary lists and their review queue.

The data steward and the secretariat see every list; an OPD operator the lists of its own
organisation; anyone else is refused. A review pair is person-level data: it is read masked
(revealed only for the roles of `persons.may_reveal`) and every read writes an audit row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tkpk.core.permissions import scope_for
from tkpk.core.roles import Role
from tkpk.targeting.models import BeneficiaryList, LinkReview, ReviewStatus
from tkpk.targeting.persons import audit_person_read, mask_frame, may_reveal
from tkpk.targeting.services_lists import LIST_ADMIN_ROLES

# Fields shown side by side in the review, in this order.
REVIEW_FIELDS: tuple[tuple[str, Promise], ...] = (
    ("name", _("Name")),
    ("nik", _("NIK")),
    ("kk", _("No. KK")),
    ("sex", _("Sex")),
    ("birth_date", _("Birth date")),
    ("birth_place", _("Birth place")),
    ("address", _("Address")),
    ("kelurahan_code", _("Kelurahan")),
)
REVEALABLE = ("nik", "kk", "name", "birth_date", "birth_place", "address")
AUDIT_PURPOSE = "link review"


def beneficiary_lists_for_user(*, user: Any) -> QuerySet[BeneficiaryList]:
    lists = BeneficiaryList.objects.select_related("organisation", "release", "created_by")
    if not scope_for(user, LIST_ADMIN_ROLES).is_empty:
        return lists
    scope = scope_for(user, (Role.OPD,))
    if scope.is_empty:
        raise PermissionDenied
    return lists.filter(organisation_id__in=sorted(scope.organisation_ids))


def beneficiary_list_get_for_user(*, user: Any, pk: int) -> BeneficiaryList:
    blist = beneficiary_lists_for_user(user=user).filter(pk=pk).first()
    if blist is None:
        raise Http404
    return blist


def reviews_for_user(*, user: Any, blist: BeneficiaryList) -> QuerySet[LinkReview]:
    """The list's reviews (pending first by probability), if the user may see the list."""
    beneficiary_list_get_for_user(user=user, pk=blist.pk)
    return LinkReview.objects.filter(beneficiary_list=blist).select_related("decided_by")


def review_get_for_user(*, user: Any, blist: BeneficiaryList, pk: int) -> LinkReview:
    review = reviews_for_user(user=user, blist=blist).filter(pk=pk).first()
    if review is None:
        raise Http404
    return review


def next_pending_review(*, user: Any, blist: BeneficiaryList) -> LinkReview | None:
    return reviews_for_user(user=user, blist=blist).filter(status=ReviewStatus.PENDING).first()


@dataclass(frozen=True)
class PairField:
    key: str
    label: Promise
    listed: str  # the beneficiary record's value (masked unless revealed)
    release: str  # the release person's value (masked unless revealed)
    agrees: bool | None  # None when either side is empty


@dataclass(frozen=True)
class ReviewPair:
    review: LinkReview
    fields: list[PairField]
    revealed: bool


def _norm(key: str, value: str | None) -> str:
    if value is None:
        return ""
    text = str(value).strip().upper()
    if key in {"nik", "kk", "kelurahan_code"}:
        return re.sub(r"[^0-9]", "", text)
    if key == "sex":
        return {"LAKI-LAKI": "L", "M": "L", "PEREMPUAN": "P", "F": "P"}.get(text, text)
    return re.sub(r"\s+", " ", text)


def _list_birth_date_iso(column: pl.Expr) -> pl.Expr:
    """The list's birth date as ISO text when it reads as a date (masking keeps the year)."""
    parsed = pl.coalesce(
        column.str.to_date("%Y-%m-%d", strict=False),
        column.str.to_date("%d-%m-%Y", strict=False),
        column.str.to_date("%d/%m/%Y", strict=False),
    )
    return pl.coalesce(parsed.cast(pl.String), column)


def review_pair_read(
    *,
    user: Any,
    blist: BeneficiaryList,
    review: LinkReview,
    reveal: bool = False,
    request: HttpRequest | None = None,
) -> ReviewPair:
    """The two records of a pair, field by field, masked unless revealed; one audit row."""
    beneficiary_list_get_for_user(user=user, pk=blist.pk)
    if reveal and not may_reveal(user):
        raise PermissionDenied
    keys = [k for k, _label in REVIEW_FIELDS]
    listed = (
        pl.scan_parquet(blist.rows_path)
        .filter(pl.col("row") == review.list_row)
        .select([pl.col(k).cast(pl.String) for k in keys])
        .with_columns(_list_birth_date_iso(pl.col("birth_date")).alias("birth_date"))
        .collect()
    )
    person = (
        pl.scan_parquet(blist.release.persons_path)
        .filter(pl.col("row") == review.person_row)
        .select([pl.col(k).cast(pl.String) for k in keys])
        .collect()
    )
    if listed.height != 1 or person.height != 1:
        raise Http404
    raw_l, raw_r = listed.row(0, named=True), person.row(0, named=True)
    shown = REVEALABLE if reveal else ()
    masked_l = mask_frame(listed, reveal=shown).row(0, named=True)
    masked_r = mask_frame(person, reveal=shown).row(0, named=True)
    fields = []
    for key, label in REVIEW_FIELDS:
        a, b = _norm(key, raw_l[key]), _norm(key, raw_r[key])
        fields.append(
            PairField(
                key=key,
                label=label,
                listed=masked_l[key] or "",
                release=masked_r[key] or "",
                agrees=(a == b) if a and b else None,
            )
        )
    audit_person_read(
        user=user,
        release=blist.release,
        action="targeting.link_review_viewed",
        rows=2,
        purpose=AUDIT_PURPOSE,
        request=request,
        detail={
            "beneficiary_list": blist.pk,
            "review": review.pk,
            "list_row": review.list_row,
            "person_row": review.person_row,
            "revealed": sorted(shown),
        },
    )
    return ReviewPair(review=review, fields=fields, revealed=bool(shown))
