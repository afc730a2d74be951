"""Links from TKPK-02.02 process tasks to the targeting pages where the step is done."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from tkpk.processes.models import HumanTask


def request_link(task: HumanTask) -> tuple[str, str] | None:
    from tkpk.targeting.models import DataRequest  # noqa: PLC0415

    item = DataRequest.objects.filter(instance_id=task.instance_id).first()
    if item is None:
        return None
    try:
        return reverse("targeting:request", args=[item.pk]), _("Open data request %(number)s") % {
            "number": item.number
        }
    except NoReverseMatch:
        return None


def musyawarah_link(task: HumanTask) -> tuple[str, str] | None:
    try:
        return reverse("targeting:verification"), _("Open the musyawarah kelurahan page")
    except NoReverseMatch:
        return None
