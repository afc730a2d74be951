"""Reads of the quarterly reports' attachments: the report's own OPD, the secretariat and the
Ketua see and download them (other readers of the report do not; outsiders get a 404 from
``report_get_for_user`` before this)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from tkpk.core.permissions import scope_for
from tkpk.core.roles import Role
from tkpk.monitoring.models import QuarterReport, ReportAttachment, ReportValue
from tkpk.monitoring.services_attachments import attachments_editable

ATTACHMENT_READERS = (Role.OPD, Role.SEKRETARIAT, Role.KETUA)


def may_see_attachments(*, user: Any, report: QuarterReport) -> bool:
    return scope_for(user, ATTACHMENT_READERS).covers_organisation(report.opd_id)


def report_attachments_for_user(*, user: Any, report: QuarterReport) -> QuerySet[ReportAttachment]:
    """The report's attachments (the whole report's and its rows'), oldest first."""
    if not may_see_attachments(user=user, report=report):
        raise PermissionDenied
    return report.attachments.select_related("value__row", "uploaded_by").order_by(
        "uploaded_at", "id"
    )


def attachment_get_for_user(*, user: Any, report: QuarterReport, pk: int) -> ReportAttachment:
    attachment = report_attachments_for_user(user=user, report=report).filter(pk=pk).first()
    if attachment is None:
        raise Http404
    return attachment


def attachable_values(*, report: QuarterReport, values: list[ReportValue]) -> list[ReportValue]:
    """The rows a file may be attached to now (all, or a returned report's reopened rows)."""
    return [v for v in values if attachments_editable(report=report, value=v)]
