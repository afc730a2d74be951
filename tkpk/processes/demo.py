"""Demo process instances so the inbox and calendars are not empty in a demonstration."""

from __future__ import annotations

from django.db import transaction

from tkpk.accounts.models import User
from tkpk.processes.models import ProcessInstance
from tkpk.processes.services import process_instance_start

DEMO_INSTANCES = [
    ("TKPK-01.02.CFM.01", {"plan_year": 2028, "opds": ["Dinsos", "Disdik"]}, "RAT 2028"),
    (
        "TKPK-03.02.CFM.01",
        {"year": 2026, "quarter": 4, "opds": ["Dinsos", "Disdik"]},
        "Pemantauan Triwulan IV 2026",
    ),
]


@transaction.atomic
def demo_processes_load() -> int:
    """Start the demo instances that do not exist yet (matched by title)."""
    starter = User.objects.filter(username="sekretariat").first()
    started = 0
    for code, params, title in DEMO_INSTANCES:
        if ProcessInstance.objects.filter(title=title).exists():
            continue
        process_instance_start(code=code, params=params, by=starter, title=title)
        started += 1
    return started
