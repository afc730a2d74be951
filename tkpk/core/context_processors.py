from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from tkpk.core.permissions import has_role, user_roles
from tkpk.core.roles import Role
from tkpk.processes.models import ProcessNode
from tkpk.processes.selectors_work import open_task_count

# Screens of each function of the decree, listed first in its menu.
# (URL name, label, roles that see it; None: every member).
_MONITORING = (Role.SEKRETARIAT, Role.KETUA, Role.GUBERNUR, Role.OPD, Role.TIM_PENYUSUN)

FUNCTION_LINKS: dict[str, list[tuple[str, Any, tuple[Role, ...] | None]]] = {
    "TKPK-01": [("planning:plans", _("RPKD and RAT documents"), None)],
    "TKPK-02": [
        (
            "targeting:releases",
            _("Priority target data releases"),
            (Role.PENGELOLA_DATA, Role.SEKRETARIAT),
        ),
        (
            "targeting:verification",
            _("Musyawarah kelurahan"),
            (Role.WILAYAH, Role.PENGELOLA_DATA, Role.SEKRETARIAT),
        ),
        (
            "targeting:verification_overview",
            _("Verification overview"),
            (Role.PENGELOLA_DATA, Role.SEKRETARIAT, Role.KETUA),
        ),
        (
            "targeting:requests",
            _("Data requests"),
            (Role.OPD, Role.SEKRETARIAT, Role.PENGELOLA_DATA),
        ),
        (
            "targeting:lists",
            _("Beneficiary lists"),
            (Role.OPD, Role.PENGELOLA_DATA, Role.SEKRETARIAT),
        ),
        (
            "targeting:coverage",
            _("Programme coverage"),
            (
                Role.SEKRETARIAT,
                Role.KETUA,
                Role.GUBERNUR,
                Role.PENGELOLA_DATA,
                Role.WILAYAH,
                Role.OPD,
            ),
        ),
    ],
    "TKPK-03": [
        ("monitoring:reports", _("Quarterly reports"), _MONITORING),
        ("monitoring:board", _("Monitoring completeness board"), _MONITORING),
        (
            "monitoring:board_chair",
            _("Chair's view"),
            (Role.KETUA, Role.GUBERNUR, Role.SEKRETARIAT),
        ),
        ("monitoring:follow_ups", _("Follow-up items"), _MONITORING),
        ("monitoring:instruments", _("M&E instruments"), _MONITORING),
        ("monitoring:calendar_current", _("Reporting calendar"), _MONITORING),
        (
            "evaluation:dashboard",
            _("Evaluation dashboard"),
            (*_MONITORING, Role.WILAYAH),
        ),
        ("evaluation:macro_data", _("Macro data"), (Role.SEKRETARIAT,)),
        (
            "reports:list",
            _("Team reports"),
            (Role.SEKRETARIAT, Role.KETUA, Role.GUBERNUR, Role.TIM_PENYUSUN),
        ),
    ],
}


def _functions(user: Any) -> list[dict[str, Any]]:
    """The decree's functions with their subprocesses and the screens this user may open."""
    functions: list[dict[str, Any]] = []
    nodes = list(ProcessNode.objects.filter(level__in=[1, 2]).order_by("code"))
    for node in nodes:
        if node.level == 1:
            functions.append({"node": node, "children": []})
    for node in nodes:
        if node.level == 2:
            for f in functions:
                if f["node"].code == node.parent_id:
                    f["children"].append(node)
    for f in functions:
        f["links"] = [
            (name, label)
            for name, label, allowed in FUNCTION_LINKS.get(f["node"].code, [])
            if allowed is None or has_role(user, *allowed)
        ]
    return functions


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Menu data: the decree's three functions with their subprocesses, and role flags.

    The menu depends only on the user's roles (and the language), so base.html caches it as a
    fragment under ``nav_menu_key``; the functions are computed only when it is rendered.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"region_name": settings.TKPK_REGION_NAME}
    roles = user_roles(user)
    is_secretariat = Role.SEKRETARIAT in roles
    can_admin = user.is_superuser or is_secretariat
    return {
        "region_name": settings.TKPK_REGION_NAME,
        "nav_open_tasks": open_task_count(user) if roles else 0,
        "nav_functions": (lambda: _functions(user)) if roles else list,
        "nav_menu_key": "-".join(sorted(roles)) + f"|{int(can_admin)}",
        "nav_roles": sorted(Role(r).label for r in roles),
        "nav_is_member": bool(roles),
        "nav_is_secretariat": is_secretariat,
        "nav_can_admin": can_admin,
    }
