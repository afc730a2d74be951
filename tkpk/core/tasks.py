"""Background jobs run by the worker (``db_worker``)."""

from __future__ import annotations

from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.sessions.models import Session
from django.tasks import task
from django.utils import timezone
from django_tasks_db.models import DBTaskResult


@task
def clear_expired_sessions() -> int:
    """Remove sessions past their expiry (the idle timeout leaves many behind)."""
    engine = import_module(settings.SESSION_ENGINE)
    engine.SessionStore.clear_expired()
    return Session.objects.count()


@task
def prune_task_results(days: int = 30) -> int:
    """Delete finished background-task results older than ``days``."""
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _ = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()
    return deleted
