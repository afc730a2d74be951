"""Reads of data requests with their permission checks.

An OPD sees only its own organisation's requests (another OPD's answer 404); the secretariat
and the data steward see all; anybody else is refused (403). Extract rows are read only through
`extract_for_download` / `extract_preview`, which check expiry and write the audit row.
"""

from __future__ import annotations

from typing import Any

import polars as pl
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from tkpk.accounts.models import Organisation
from tkpk.core.permissions import has_role, require_role, scope_for
from tkpk.core.roles import Role
from tkpk.core.services import audit_record
from tkpk.processes.models import InstanceEvent
from tkpk.targeting.models import BeneficiaryList, DataRequest, ListStatus, RequestStatus
from tkpk.targeting.persons import mask_frame
from tkpk.targeting.services_requests import (
    EDITABLE,
    extract_is_available,
    extract_refusal_record,
)

REQUEST_ROLES = (Role.OPD, Role.SEKRETARIAT, Role.PENGELOLA_DATA)
PREVIEW_ROWS = 20
_MAX_PK = 2**31 - 1


class ExtractUnavailable(PermissionDenied):
    """The extract cannot be served (expired, not produced yet); the message says why."""


def data_request_list_for_user(*, user: Any) -> QuerySet[DataRequest]:
    scope = require_role(user, *REQUEST_ROLES)
    return (
        DataRequest.objects.filter(scope.organisation_q("organisation_id"))
        .select_related("organisation", "created_by", "reviewed_by", "release")
        .order_by("-created_at", "-pk")
    )


def data_request_get_for_user(*, user: Any, pk: int) -> DataRequest:
    if not 0 < pk <= _MAX_PK:
        raise Http404
    item = data_request_list_for_user(user=user).filter(pk=pk).first()
    if item is None:
        raise Http404
    return item


def is_own_opd(user: Any, request: DataRequest) -> bool:
    scope = scope_for(user, [Role.OPD])
    return not scope.is_empty and request.organisation_id in scope.organisation_ids


def user_opd_organisations(user: Any) -> list[int]:
    return sorted(scope_for(user, [Role.OPD]).organisation_ids)


def own_organisation(user: Any) -> Organisation:
    """The OPD an operator files requests for (their own, if they have several); 403 if none."""
    ids = user_opd_organisations(user)
    if not ids:
        raise PermissionDenied
    own = getattr(user, "organisation_id", None)
    return Organisation.objects.get(pk=own if own in ids else ids[0])


def permissions_for(*, user: Any, request: DataRequest) -> dict[str, bool]:
    """What the user may do on the request page now (the services check again)."""
    own = is_own_opd(user, request)
    extracted = bool(request.extract_path)
    return {
        "edit": own and request.status in EDITABLE,
        "submit": own and request.status in EDITABLE,
        "review": has_role(user, Role.SEKRETARIAT) and request.status == RequestStatus.SUBMITTED,
        "extract": has_role(user, Role.PENGELOLA_DATA) and request.status == RequestStatus.APPROVED,
        "download": extracted and extract_is_available(request),
        "expired": extracted and not extract_is_available(request),
        "return": own
        and request.status in (RequestStatus.EXTRACTED, RequestStatus.RETURNED)
        and not request.returned_lists.exclude(status=ListStatus.FAILED).exists(),
        "close": has_role(user, Role.PENGELOLA_DATA)
        and request.status == RequestStatus.RETURNED
        and request.returned_lists.filter(status=ListStatus.LINKED).exists(),
    }


def request_timeline(*, request: DataRequest) -> QuerySet[InstanceEvent]:
    if request.instance_id is None:
        return InstanceEvent.objects.none()
    return InstanceEvent.objects.filter(instance_id=request.instance_id).select_related("actor")


def returned_lists(*, request: DataRequest) -> QuerySet[BeneficiaryList]:
    """The data balikan lists of the request with their linkage counts (no person rows)."""
    return request.returned_lists.order_by("-created_at")


def extract_for_download(*, user: Any, pk: int, http: HttpRequest | None = None) -> DataRequest:
    """The request whose extract `user` may download now; ExtractUnavailable (403) with the
    reason otherwise, and the refusal is recorded. Other OPDs get 404, outsiders 403."""
    request = data_request_get_for_user(user=user, pk=pk)
    if not request.extract_path:
        raise ExtractUnavailable(_("The extract of this request has not been produced."))
    if not extract_is_available(request):
        extract_refusal_record(request=request, by=user, reason="expired", http=http)
        raise ExtractUnavailable(
            _("The extract of this request expired; file a new request if you still need it.")
        )
    return request


def extract_preview(*, user: Any, pk: int, http: HttpRequest | None = None) -> pl.DataFrame:
    """The first rows of the extract, fully masked, for checking it; audited as a person view."""
    request = extract_for_download(user=user, pk=pk, http=http)
    frame = mask_frame(pl.scan_parquet(request.extract_path).head(PREVIEW_ROWS).collect())
    audit_record(
        action="targeting.extract_previewed",
        actor=user,
        obj=request,
        purpose=f"{request.number}: {request.programme}"[:300],
        request=http,
        detail={"number": request.number, "rows": frame.height},
    )
    return frame
