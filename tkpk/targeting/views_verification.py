"""Musyawarah kelurahan pages: the verifier's list and forms, the overview and applying."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tkpk.accounts.models import User
from tkpk.core.permissions import has_role, require_role
from tkpk.core.services import audit_record
from tkpk.processes.services import task_can_complete
from tkpk.regions.models import Region
from tkpk.targeting import selectors_verification as sel
from tkpk.targeting.forms_verification import CandidateForm, DecisionForm, SubmitForm
from tkpk.targeting.models import Release
from tkpk.targeting.services_verification import (
    REASONS,
    may_verify,
    musyawarah_step_progress,
    musyawarah_step_try_complete,
    musyawarah_submit,
    pending_decisions,
    release_apply_verifications,
    verification_candidate_add,
    verification_decision_remove,
    verification_decision_save,
)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        raise Http404 from None


def _page_url(release: Release, code: str, anchor: str = "") -> str:
    url = reverse("targeting:verification") + f"?release={release.pk}&kelurahan={code}"
    return url + (f"#{anchor}" if anchor else "")


def _add_errors(form: Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _render(  # noqa: PLR0913 (the forms a re-render may carry back with what was typed)
    request: HttpRequest,
    *,
    release: Release | None,
    kelurahan: Region | None = None,
    bound: dict[int, DecisionForm] | None = None,
    candidate_form: CandidateForm | None = None,
    submit_form: SubmitForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context: dict[str, Any] = {"release": release, "kelurahan": kelurahan}
    if release is not None:
        context["choices"] = sel.verification_choices(user=request.user, release=release)
        context["may_overview"] = has_role(request.user, *sel.OVERVIEW_ROLES)
    if release is not None and kelurahan is not None:
        page = sel.verification_page_get(
            user=request.user, release=release, kelurahan=kelurahan, request=request
        )
        musyawarah = page.musyawarah
        open_ = musyawarah is None or musyawarah.submitted_at is None
        can_edit = open_ and may_verify(user=request.user, kelurahan_code=kelurahan.code)
        for household in page.households:
            form = (bound or {}).get(household.key)
            if form is None:
                decision = household.decision
                form = DecisionForm(
                    prefix=f"h{household.key}",
                    members=household.members,
                    initial={
                        "decision": decision.decision if decision else "",
                        "moved_to": decision.moved_to_id if decision else None,
                        "member": (decision.candidate or {}).get("row") if decision else None,
                        "note": decision.note if decision else "",
                        "version": decision.version if decision else 0,
                    },
                )
            else:
                form.set_members(household.members)
            household.form = form  # type: ignore[attr-defined]
        progress = musyawarah_step_progress(release=release, kelurahan_code=kelurahan.code)
        context.update(
            {
                "page": page,
                "musyawarah": musyawarah,
                "can_edit": can_edit,
                "undecided": sum(1 for h in page.households if h.decision is None),
                "candidate_form": candidate_form or CandidateForm(),
                "submit_form": submit_form or SubmitForm(),
                "progress": progress,
                "can_complete_step": (
                    progress.task is not None
                    and progress.complete
                    and not open_
                    and task_can_complete(task=progress.task, user=request.user)
                ),
                "reasons": REASONS,
            }
        )
    return render(request, "targeting/verification/page.html", context, status=status)


@login_required
def verification(request: HttpRequest) -> HttpResponse:
    """The verifier's page: the flagged households of one kelurahan and the decision forms."""
    release = sel.verification_release_get(user=request.user, pk=_int(request.GET.get("release")))
    if not has_role(request.user, *sel.VIEW_ROLES):  # Ketua: counts only
        return redirect("targeting:verification_overview")
    if release is None:
        return _render(request, release=None)
    code = request.GET.get("kelurahan", "")
    if not code:
        kelurahan = list(sel.verification_kelurahan_for_user(user=request.user)[:2])
        code = kelurahan[0].code if len(kelurahan) == 1 else ""
    kelurahan_obj = sel.verification_kelurahan_get(user=request.user, code=code) if code else None
    return _render(request, release=release, kelurahan=kelurahan_obj)


def _context_objects(request: HttpRequest, pk: int, code: str) -> tuple[Release, Region]:
    release = sel.verification_release_require(user=request.user, pk=pk)
    return release, sel.verification_kelurahan_get(user=request.user, code=code)


@login_required
@require_POST
def verification_decide(request: HttpRequest, pk: int, code: str, key: int) -> HttpResponse:
    release, kelurahan = _context_objects(request, pk, code)
    household = sel.verification_household_get(
        user=request.user, release=release, kelurahan=kelurahan, key=key
    )
    form = DecisionForm(
        request.POST,
        prefix=f"h{key}",
        members=[{"row": r, "name": "", "birth_date": ""} for r in household.rows],
    )
    status = 200
    if form.is_valid():
        data = form.cleaned_data
        try:
            verification_decision_save(
                release=release,
                kelurahan=kelurahan,
                key=key,
                decision=data["decision"],
                version=data["version"],
                by=cast(User, request.user),
                moved_to=data["moved_to"],
                member_row=data["member"],
                note=data["note"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
            status = 409 if getattr(exc, "code", None) in ("stale", "submitted") else 200
        else:
            messages.success(request, _("The decision is saved."))
            return redirect(_page_url(release, code, f"h{key}"))
    return _render(request, release=release, kelurahan=kelurahan, bound={key: form}, status=status)


@login_required
@require_POST
def verification_candidate(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    release, kelurahan = _context_objects(request, pk, code)
    form = CandidateForm(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        note = data.pop("note", "")
        try:
            verification_candidate_add(
                release=release,
                kelurahan=kelurahan,
                data=data,
                by=cast(User, request.user),
                note=note,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The new candidate is recorded."))
            return redirect(_page_url(release, code, "candidates"))
    return _render(request, release=release, kelurahan=kelurahan, candidate_form=form)


@login_required
@require_POST
def verification_withdraw(request: HttpRequest, pk: int, code: str, decision: int) -> HttpResponse:
    release, kelurahan = _context_objects(request, pk, code)
    item = sel.verification_decision_get(user=request.user, release=release, pk=decision)
    try:
        verification_decision_remove(
            decision=item,
            version=_int(request.POST.get("version")) or 0,
            by=cast(User, request.user),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The decision is withdrawn."))
    return redirect(_page_url(release, kelurahan.code))


@login_required
@require_POST
def verification_submit(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    release, kelurahan = _context_objects(request, pk, code)
    form = SubmitForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            musyawarah_submit(
                release=release,
                kelurahan=kelurahan,
                held_on=form.cleaned_data["held_on"],
                minutes=form.cleaned_data["minutes"],
                by=cast(User, request.user),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The musyawarah is submitted with its berita acara."))
            return redirect(_page_url(release, code))
    return _render(request, release=release, kelurahan=kelurahan, submit_form=form)


@login_required
@require_POST
def verification_step_complete(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """For the holder of a region-wide step whose last kelurahan was submitted by someone who
    could not complete it (e.g. a kota step after a kelurahan verifier's submission)."""
    release, kelurahan = _context_objects(request, pk, code)
    progress = musyawarah_step_try_complete(
        release=release, kelurahan_code=kelurahan.code, by=cast(User, request.user)
    )
    if progress.complete:
        messages.success(request, _("The musyawarah step of the process is complete."))
    return redirect(_page_url(release, code))


@login_required
def verification_minutes(request: HttpRequest, pk: int, code: str) -> FileResponse:
    release = sel.verification_release_require(user=request.user, pk=pk)
    musyawarah = sel.musyawarah_get_for_user(user=request.user, release=release, code=code)
    if not musyawarah.minutes:
        raise Http404
    audit_record(
        action="targeting.berita_acara_downloaded",
        actor=request.user,
        obj=musyawarah,
        request=request,
    )
    return FileResponse(
        musyawarah.minutes.open("rb"),
        as_attachment=True,
        filename=musyawarah.minutes_name or (musyawarah.minutes.name or "").rsplit("/", 1)[-1],
    )


@login_required
def verification_overview(request: HttpRequest) -> HttpResponse:
    """Per kelurahan progress of the release's musyawarah, and the data steward's button."""
    require_role(request.user, *sel.OVERVIEW_ROLES)
    release = sel.verification_release_get(user=request.user, pk=_int(request.GET.get("release")))
    rows = sel.verification_overview(user=request.user, release=release) if release else []
    return render(
        request,
        "targeting/verification/overview.html",
        {
            "release": release,
            "rows": rows,
            "totals": {
                "flagged": sum(r.flagged for r in rows),
                "decided": sum(r.decided for r in rows),
                "submitted": sum(1 for r in rows if r.submitted),
                "kelurahan": len(rows),
            },
            "pending": len(pending_decisions(release=release)) if release else 0,
            "may_apply": has_role(request.user, *sel.APPLY_ROLES),
            "may_view": has_role(request.user, *sel.VIEW_ROLES),
            "derived": sel.derived_releases(release=release) if release else [],
        },
    )


@login_required
@require_POST
def verification_apply(request: HttpRequest, pk: int) -> HttpResponse:
    require_role(request.user, *sel.APPLY_ROLES)
    release = sel.verification_release_require(user=request.user, pk=pk)
    try:
        derived = release_apply_verifications(release=release, by=cast(User, request.user))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _(
                "Release %(release)s is built with the decisions; make it current on the "
                "releases page once the list is set."
            )
            % {"release": derived},
        )
    return redirect(reverse("targeting:verification_overview") + f"?release={release.pk}")
