from __future__ import annotations

import csv
from collections.abc import Iterator

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from tkpk.core.exports import csv_safe_row
from tkpk.core.forms import AuditFilterForm
from tkpk.core.models import AuditEvent
from tkpk.core.permissions import require_member, scope_for
from tkpk.core.selectors import AuditFilter, audit_action_choices, audit_event_list
from tkpk.core.services import audit_record
from tkpk.processes.selectors import process_tree
from tkpk.processes.selectors_work import inbox_for_user


@login_required
def home(request: HttpRequest) -> HttpResponse:
    require_member(request.user)
    scope = scope_for(request.user)
    memberships = request.user.memberships.filter(is_active=True).select_related(  # type: ignore[union-attr]
        "organisation", "region"
    )
    return render(
        request,
        "core/home.html",
        {
            "scope": scope,
            "memberships": memberships,
            "tree": process_tree(user=request.user),
            "tasks": inbox_for_user(user=request.user)["mine"][:5],
        },
    )


def _audit_filters(form: AuditFilterForm) -> AuditFilter:
    if not form.is_valid():
        return AuditFilter()
    return AuditFilter(**{k: v for k, v in form.cleaned_data.items() if v})


@login_required
def audit_log(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    form = AuditFilterForm(request.GET or None)
    events = audit_event_list(user=request.user, filters=_audit_filters(form))
    if request.GET.get("format") == "csv":
        return _audit_csv(request, events)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    template = "core/audit_log.html"
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "audit-rows":
        template += "#rows"
    return render(
        request,
        template,
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "actions": audit_action_choices(user=request.user),
        },
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


AUDIT_CSV_HEADER = ["time", "user", "action", "object_type", "object_id", "object", "purpose", "ip"]


def _audit_csv_lines(events: QuerySet[AuditEvent]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(AUDIT_CSV_HEADER)
    for e in events.iterator(chunk_size=2000):
        yield writer.writerow(
            csv_safe_row(
                [
                    timezone.localtime(e.at).isoformat(),
                    e.actor_username,
                    e.action,
                    e.object_type,
                    e.object_id,
                    e.object_repr,
                    e.purpose,
                    e.ip_address or "",
                ]
            )
        )


def _audit_csv(request: HttpRequest, events: QuerySet[AuditEvent]) -> StreamingHttpResponse:
    audit_record(
        action="audit.export",
        actor=request.user,
        request=request,
        object_type="core.auditevent",
        detail={"query": request.GET.urlencode()},
    )
    response = StreamingHttpResponse(
        _audit_csv_lines(events), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="audit-log.csv"'
    return response
