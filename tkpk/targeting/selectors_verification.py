"""Permission-aware reads for the musyawarah kelurahan pages (404 outside the user's scope)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest

from tkpk.core.permissions import require_role, scope_for
from tkpk.core.roles import Role
from tkpk.regions.models import Level, Region
from tkpk.targeting.models import (
    Musyawarah,
    Release,
    VerificationDecision,
    VerificationDecisionKind,
)
from tkpk.targeting.persons import (
    mask_identifier,
    mask_name,
    persons_read,
    revealable_fields,
)
from tkpk.targeting.services_verification import (
    REASONS,
    Household,
    flagged_counts,
    flagged_household,
    flagged_households,
)

# Who sees a kelurahan's flagged households (person-level: the roles `persons_read` allows).
VIEW_ROLES = (Role.WILAYAH, Role.PENGELOLA_DATA, Role.SEKRETARIAT)
# Who sees the per-kelurahan progress (counts only).
OVERVIEW_ROLES = (Role.PENGELOLA_DATA, Role.SEKRETARIAT, Role.KETUA)
# Who builds the next list from the decisions.
APPLY_ROLES = (Role.PENGELOLA_DATA,)
PURPOSE = "musyawarah kelurahan verification"


def verification_release_get(*, user: Any, pk: int | None) -> Release | None:
    """The release under verification: the given one, else the current one."""
    require_role(user, *VIEW_ROLES, *OVERVIEW_ROLES)
    if pk is None:
        return Release.objects.filter(is_current=True).first()
    release = Release.objects.filter(pk=pk).first()
    if release is None:
        raise Http404
    return release


def verification_release_require(*, user: Any, pk: int) -> Release:
    release = verification_release_get(user=user, pk=pk)
    if release is None:
        raise Http404
    return release


def verification_kelurahan_for_user(*, user: Any) -> QuerySet[Region]:
    scope = require_role(user, *VIEW_ROLES)
    return Region.objects.filter(level=Level.KELURAHAN).filter(scope.region_q("code"))


def verification_kelurahan_get(*, user: Any, code: str) -> Region:
    kelurahan = verification_kelurahan_for_user(user=user).filter(code=code).first()
    if kelurahan is None:
        raise Http404
    return kelurahan


def verification_household_get(
    *, user: Any, release: Release, kelurahan: Region, key: int
) -> Household:
    verification_kelurahan_get(user=user, code=kelurahan.code)
    household = flagged_household(release=release, kelurahan_code=kelurahan.code, key=key)
    if household is None:
        raise Http404
    return household


def verification_decision_get(*, user: Any, release: Release, pk: int) -> VerificationDecision:
    decision = (
        VerificationDecision.objects.select_related("musyawarah__kelurahan", "musyawarah__release")
        .filter(pk=pk, musyawarah__release=release)
        .first()
    )
    if decision is None:
        raise Http404
    verification_kelurahan_get(user=user, code=decision.musyawarah.kelurahan_id)
    return decision


def musyawarah_get_for_user(*, user: Any, release: Release, code: str) -> Musyawarah:
    """A kelurahan's musyawarah for its verifiers and for the overview roles."""
    if scope_for(user, OVERVIEW_ROLES).is_empty:
        verification_kelurahan_get(user=user, code=code)
    musyawarah = Musyawarah.objects.filter(release=release, kelurahan_id=code).first()
    if musyawarah is None:
        raise Http404
    return musyawarah


@dataclass
class HouseholdView:
    key: int
    kk_masked: str
    desil: int
    reasons: list[tuple[str, str]]
    members: list[dict[str, Any]]
    decision: VerificationDecision | None = None


@dataclass
class VerificationPage:
    musyawarah: Musyawarah | None
    households: list[HouseholdView] = field(default_factory=list)
    candidates: list[dict[str, Any]] = field(default_factory=list)


def verification_page_get(
    *, user: Any, release: Release, kelurahan: Region, request: HttpRequest | None = None
) -> VerificationPage:
    """The flagged households of one kelurahan with their members (masked, one audit row),
    and the decisions and proposed candidates recorded so far."""
    verification_kelurahan_get(user=user, code=kelurahan.code)
    flagged = flagged_households(release=release, kelurahan_code=kelurahan.code)
    rows = (
        [int(r) for r in flagged.get_column("rows").explode().to_list()] if flagged.height else []
    )
    persons = persons_read(
        user=user,
        release=release,
        purpose=PURPOSE,
        kelurahan_codes=[kelurahan.code],
        rows=rows,
        columns=("kk", "nik", "name", "sex", "birth_date", "relationship", "kelurahan_code"),
        # The verifier recognises people by name and birth date; NIK/KK stay masked.
        reveal=sorted(revealable_fields(user) & {"name", "birth_date"}),
        request=request,
        action="targeting.musyawarah_viewed",
    )
    by_row = {int(p["row"]): p for p in persons.iter_rows(named=True)}
    musyawarah = (
        Musyawarah.objects.select_related("submitted_by", "task")
        .filter(release=release, kelurahan=kelurahan)
        .first()
    )
    decisions = (
        list(musyawarah.decisions.select_related("moved_to", "applied_to"))
        if musyawarah is not None
        else []
    )
    by_kk = {d.kk: d for d in decisions if d.decision != VerificationDecisionKind.NEW_CANDIDATE}
    households: list[HouseholdView] = []
    for item in flagged.iter_rows(named=True):
        members = [by_row[int(r)] for r in item["rows"] if int(r) in by_row]
        households.append(
            HouseholdView(
                key=int(item["key"]),
                kk_masked=members[0]["kk"] if members else "",
                desil=int(item["desil"]),
                reasons=[(code, str(REASONS[code])) for code in item["reasons"]],
                members=members,
                decision=by_kk.get(item["kk"]),
            )
        )
    candidates = [
        {
            "decision": d,
            "nik": mask_identifier(d.nik),
            "kk": mask_identifier(d.kk),
            "name": mask_name(str(d.candidate.get("name", ""))),
            "sex": d.candidate.get("sex", ""),
            "birth_year": str(d.candidate.get("birth_date", ""))[:4],
            "desil": d.candidate.get("desil"),
        }
        for d in decisions
        if d.decision == VerificationDecisionKind.NEW_CANDIDATE
    ]
    return VerificationPage(musyawarah=musyawarah, households=households, candidates=candidates)


def verification_choices(*, user: Any, release: Release) -> list[tuple[Region, int]]:
    """The kelurahan the user may open, with their flagged household counts (flagged first);
    a verifier of one kelurahan gets it alone (without a count: nothing to choose)."""
    kelurahan = list(verification_kelurahan_for_user(user=user))
    if len(kelurahan) <= 1:
        return [(k, 0) for k in kelurahan]
    counts = flagged_counts(release=release)
    rows = [(k, counts.get(k.code, 0)) for k in kelurahan]
    return sorted(rows, key=lambda r: (-r[1], r[0].code))


@dataclass(frozen=True)
class OverviewRow:
    kelurahan: Region
    flagged: int
    decided: int
    submitted: bool
    applied: int
    musyawarah: Musyawarah | None


def verification_overview(*, user: Any, release: Release) -> list[OverviewRow]:
    """Per kelurahan: flagged households, decisions, submitted, decisions applied."""
    require_role(user, *OVERVIEW_ROLES)
    counts = flagged_counts(release=release)
    meetings = {
        m.kelurahan_id: m
        for m in Musyawarah.objects.filter(release=release).annotate(
            n_decided=Count("decisions"),
            n_applied=Count("decisions", filter=Q(decisions__applied_to__isnull=False)),
        )
    }
    codes = sorted(set(counts) | set(meetings))
    regions = Region.objects.in_bulk(codes)
    return [
        OverviewRow(
            kelurahan=regions[code],
            flagged=counts.get(code, 0),
            decided=getattr(meetings.get(code), "n_decided", 0),
            submitted=bool(meetings.get(code) and meetings[code].submitted_at),
            applied=getattr(meetings.get(code), "n_applied", 0),
            musyawarah=meetings.get(code),
        )
        for code in codes
        if code in regions
    ]


def derived_releases(*, release: Release) -> list[Release]:
    return list(
        Release.objects.filter(
            pk__in=VerificationDecision.objects.filter(musyawarah__release=release).values(
                "applied_to"
            )
        ).order_by("-created_at")
    )
