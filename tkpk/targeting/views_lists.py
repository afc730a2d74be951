"""Pages of the beneficiary lists: upload and list, linking progress, the review queue."""

from __future__ import annotations

import contextlib
import uuid
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tkpk.accounts.models import User
from tkpk.targeting import selectors_lists as sel
from tkpk.targeting.forms_lists import BeneficiaryListForm
from tkpk.targeting.models import BeneficiaryList, ListStatus
from tkpk.targeting.persons import may_reveal
from tkpk.targeting.services import storage_dir
from tkpk.targeting.services_lists import (
    beneficiary_list_create,
    link_review_decide,
    list_organisation_for,
)
from tkpk.targeting.tasks_lists import beneficiary_list_link_task


@login_required
def lists(request: HttpRequest) -> HttpResponse:
    items = sel.beneficiary_lists_for_user(user=request.user)
    own = list_organisation_for(request.user)  # None: the user files for any OPD
    form = BeneficiaryListForm(
        request.POST or None, request.FILES or None, choose_organisation=own is None
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        suffix = "." + upload.name.rsplit(".", 1)[-1].lower()
        path = storage_dir() / f"list-upload-{uuid.uuid4().hex}{suffix}"
        with path.open("wb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
        try:
            blist = beneficiary_list_create(
                path=path,
                file_name=upload.name,
                programme=form.cleaned_data["programme"],
                organisation=own or form.cleaned_data["organisation"],
                year=form.cleaned_data["year"],
                quarter=form.cleaned_data["quarter"],
                target_desil_max=form.cleaned_data["target_desil_max"],
                mapping=form.cleaned_data["mapping"],
                by=cast(User, request.user),
            )
        except ValidationError as exc:
            with contextlib.suppress(OSError):
                path.unlink()
            form.add_error(None, exc.messages)
        else:
            transaction.on_commit(lambda: beneficiary_list_link_task.enqueue(list_id=blist.pk))
            return redirect("targeting:list", pk=blist.pk)
    return render(
        request,
        "targeting/lists/lists.html",
        {"lists": items[:200], "form": form, "own_organisation": own},
    )


def _running(blist: BeneficiaryList) -> bool:
    return blist.status in (ListStatus.QUEUED, ListStatus.RUNNING)


@login_required
def list_detail(request: HttpRequest, pk: int) -> HttpResponse:
    blist = sel.beneficiary_list_get_for_user(user=request.user, pk=pk)
    template = "targeting/lists/list.html"
    if request.headers.get("HX-Request"):
        template += "#status"
    return render(request, template, {"blist": blist, "running": _running(blist)})


def _queue_context(
    request: HttpRequest,
    blist: BeneficiaryList,
    *,
    review_pk: int | None,
    reveal: bool,
    error: str = "",
) -> dict[str, Any]:
    user = request.user
    review = (
        sel.review_get_for_user(user=user, blist=blist, pk=review_pk)
        if review_pk is not None
        else sel.next_pending_review(user=user, blist=blist)
    )
    pair = None
    if review is not None and blist.status == ListStatus.LINKED:
        pair = sel.review_pair_read(
            user=user, blist=blist, review=review, reveal=reveal, request=request
        )
    pending = sel.reviews_for_user(user=user, blist=blist).filter(status="pending")
    return {
        "blist": blist,
        "pair": pair,
        "pending": pending[:20],
        "may_reveal": may_reveal(user),
        "error": error,
    }


@login_required
def list_review(request: HttpRequest, pk: int) -> HttpResponse:
    blist = sel.beneficiary_list_get_for_user(user=request.user, pk=pk)
    review_pk = request.GET.get("review", "")
    context = _queue_context(
        request,
        blist,
        review_pk=int(review_pk) if review_pk.isdigit() else None,
        reveal=request.GET.get("reveal") == "1",
    )
    template = "targeting/lists/review.html"
    if request.headers.get("HX-Request"):
        template += "#queue"
    return render(request, template, context)


@login_required
@require_POST
def list_review_decide(request: HttpRequest, pk: int, review_pk: int) -> HttpResponse:
    blist = sel.beneficiary_list_get_for_user(user=request.user, pk=pk)
    review = sel.review_get_for_user(user=request.user, blist=blist, pk=review_pk)
    decision = request.POST.get("decision")
    version = request.POST.get("version", "")
    reveal = request.POST.get("reveal") == "1"
    error = ""
    if decision not in {"accept", "reject"} or not version.isdigit():
        error = _("Choose to accept or reject the pair.")
    else:
        try:
            link_review_decide(
                review=review,
                by=cast(User, request.user),
                accept=decision == "accept",
                version=int(version),
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
    # Showing in full is a deliberate, audited act per pair: the next pair opens masked.
    reveal = reveal and bool(error)
    if not request.headers.get("HX-Request"):
        if error:
            messages.error(request, error)
        else:
            messages.success(request, _("Decision recorded."))
        url = reverse("targeting:list_review", args=[blist.pk])
        return redirect(url + ("?reveal=1" if reveal else ""))
    blist.refresh_from_db()
    context = _queue_context(request, blist, review_pk=None, reveal=reveal, error=error)
    return render(request, "targeting/lists/review.html#queue", context)
