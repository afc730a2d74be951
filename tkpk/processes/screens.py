"""Screens that user tasks may be bound to, and what happens when such a task opens.

A capability binds its screen here (from its AppConfig.ready) so the engine never imports it:
e.g. planning registers "planning.plan", whose hook sets the plan's stage when a drafting
task opens (again, after a return for revision).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tkpk.processes.models import HumanTask

OnOpen = Callable[["HumanTask", dict[str, str]], None]
_HOOKS: dict[str, OnOpen | None] = {"generic": None}


def register_screen(name: str, *, on_open: OnOpen | None = None) -> None:
    _HOOKS[name] = on_open


def known_screens() -> set[str]:
    return set(_HOOKS)


def task_opened(task: HumanTask, properties: dict[str, str]) -> None:
    hook = _HOOKS.get(task.screen)
    if hook is not None:
        hook(task, properties)
