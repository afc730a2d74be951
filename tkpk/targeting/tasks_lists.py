"""Background linkage of a beneficiary list (the worker runs it; the list page polls progress)."""

from __future__ import annotations

from django.tasks import task

from tkpk.targeting.models import BeneficiaryList
from tkpk.targeting.services_lists import beneficiary_list_link


@task
def beneficiary_list_link_task(list_id: int) -> str:
    blist = beneficiary_list_link(blist=BeneficiaryList.objects.get(pk=list_id))
    return blist.status
