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
# Where a bound task is done: (url, label) of the domain page, or None if not there yet.
Link = Callable[["HumanTask"], "tuple[str, str] | None"]
_HOOKS: dict[str, OnOpen | None] = {"generic": None}
_LINKS: dict[str, Link] = {}
# Screens whose step is completed only by their own page (its service completes the task),
# so the generic task form is not offered: e.g. a data request is approved on the request page.
_EXCLUSIVE: set[str] = set()


def register_screen(
    name: str,
    *,
    on_open: OnOpen | None = None,
    link: Link | None = None,
    exclusive: bool = False,
) -> None:
    _HOOKS[name] = on_open
    if link is not None:
        _LINKS[name] = link
    if exclusive:
        _EXCLUSIVE.add(name)


def screen_link(task: HumanTask) -> tuple[str, str] | None:
    link = _LINKS.get(task.screen)
    return link(task) if link is not None else None


def screen_is_exclusive(name: str) -> bool:
    return name in _EXCLUSIVE


def known_screens() -> set[str]:
    return set(_HOOKS)


def task_opened(task: HumanTask, properties: dict[str, str]) -> None:
    hook = _HOOKS.get(task.screen)
    if hook is not None:
        hook(task, properties)
