from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tkpk.core.scheduler import scheduler_tick


@pytest.mark.django_db(transaction=True)
def test_the_scheduler_enqueues_each_job_once_per_interval_and_the_worker_runs_it() -> None:
    start = timezone.now()
    stale = SessionStore()
    stale["x"] = 1
    stale.set_expiry(1)
    stale.create()
    with time_machine.travel(start, tick=False):
        first = scheduler_tick()
        assert {"core.clear_expired_sessions", "processes.tick"} <= set(first)
        assert scheduler_tick() == []  # nothing is due again straight away
    with time_machine.travel(start + timedelta(minutes=30), tick=False):
        due = scheduler_tick()  # processes every 15 minutes; sessions hourly
        assert "processes.tick" in due and "core.clear_expired_sessions" not in due
    queued = DBTaskResult.objects.filter(task_path__endswith="clear_expired_sessions")
    assert queued.count() == 1

    with time_machine.travel(start + timedelta(minutes=61), tick=False):
        call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
        assert not Session.objects.filter(session_key=stale.session_key).exists()
    assert queued.filter(status="SUCCESSFUL").count() == 1

    with time_machine.travel(start + timedelta(minutes=61), tick=False):
        assert "core.clear_expired_sessions" in scheduler_tick()
    assert queued.count() == 2
