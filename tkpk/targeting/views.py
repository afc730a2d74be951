from __future__ import annotations

import uuid
from typing import Any, cast

import polars as pl
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from tkpk.accounts.models import User
from tkpk.core.permissions import has_role, require_role
from tkpk.core.roles import Role
from tkpk.regions.models import Region
from tkpk.targeting import selectors as sel
from tkpk.targeting.forms import ImportForm
from tkpk.targeting.models import ColumnMapping, ImportStatus, Release
from tkpk.targeting.services import (
    import_job_create,
    release_compare,
    release_set_current,
    storage_dir,
)
from tkpk.targeting.tasks import import_job_task


@login_required
def releases(request: HttpRequest) -> HttpResponse:
    items = sel.release_list_for_user(user=request.user)
    jobs = sel.import_jobs_for_user(user=request.user)[:20]
    saved = {m.source: m.mapping for m in ColumnMapping.objects.all()}
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        suffix = "." + upload.name.rsplit(".", 1)[-1].lower()
        path = storage_dir() / f"upload-{uuid.uuid4().hex}{suffix}"
        with path.open("wb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
        source = form.cleaned_data["source"]
        mapping = form.cleaned_data["mapping"] or saved.get(source, {})
        if form.cleaned_data["mapping"]:
            ColumnMapping.objects.update_or_create(source=source, defaults={"mapping": mapping})
        job = import_job_create(
            path=path,
            source=source,
            as_of=form.cleaned_data["as_of"],
            mapping=mapping,
            by=cast(User, request.user),
            file_name=upload.name,
        )
        transaction.on_commit(lambda: import_job_task.enqueue(job_id=job.pk))
        return redirect("targeting:job", pk=job.pk)
    return render(
        request,
        "targeting/releases.html",
        {
            "releases": items,
            "jobs": jobs,
            "form": form,
            "saved": saved,
            "can_make_current": has_role(request.user, Role.SEKRETARIAT),
        },
    )


@login_required
def job(request: HttpRequest, pk: int) -> HttpResponse:
    item = sel.import_job_get_for_user(user=request.user, pk=pk)
    template = "targeting/job.html"
    if request.headers.get("HX-Request"):
        template += "#status"
    return render(
        request,
        template,
        {"job": item, "running": item.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)},
    )


@login_required
def job_report(request: HttpRequest, pk: int) -> FileResponse:
    item = sel.import_job_get_for_user(user=request.user, pk=pk)
    if not item.report_path:
        raise Http404
    # The report holds row numbers and rule names only, no personal data.
    return FileResponse(
        open(item.report_path, "rb"),
        as_attachment=True,  # noqa: SIM115
        filename=f"laporan-impor-{item.pk}.csv",
    )


@login_required
def make_current(request: HttpRequest, pk: int) -> HttpResponse:
    """The secretariat sets the current list, after seeing what changes against the current one."""
    release = sel.release_get_for_user(user=request.user, pk=pk)
    require_role(request.user, Role.SEKRETARIAT)
    if request.method == "POST":
        release_set_current(release=release, by=cast(User, request.user))
        messages.success(request, _("This release is now the current target data."))
        return redirect("targeting:releases")
    current = Release.objects.filter(is_current=True).exclude(pk=release.pk).first()
    totals = {"added": 0, "removed": 0, "desil_changed": 0}
    if current is not None:
        frame = release_compare(old=current, new=release)
        totals = {key: int(frame[key].sum()) for key in totals}
    return render(
        request,
        "targeting/make_current.html",
        {
            "release": release,
            "current": current,
            "totals": totals,
            # Programme lists linked to the current release stay with it (relink to move them).
            "lists_on_current": current.lists.count() if current is not None else 0,
        },
    )


@login_required
def compare(request: HttpRequest, pk: int) -> HttpResponse:
    """Households added, removed and with a changed desil per kelurahan (counts only)."""
    new = sel.release_get_for_user(user=request.user, pk=pk)
    others = sel.release_list_for_user(user=request.user).exclude(pk=new.pk)
    other_pk = request.GET.get("dengan", "")
    old: Release | None
    if other_pk.isdigit():
        old = sel.release_get_for_user(user=request.user, pk=int(other_pk))
    else:  # by default the previous delivery of the same source
        old = (
            others.filter(source=new.source, as_of__lte=new.as_of).first()
            or others.filter(as_of__lte=new.as_of).first()
        )
    rows: list[dict[str, Any]] = []
    totals = {"added": 0, "removed": 0, "desil_changed": 0}
    if old is not None:
        frame = release_compare(old=old, new=new).filter(
            (pl.col("added") + pl.col("removed") + pl.col("desil_changed")) > 0
        )
        names = dict(
            Region.objects.filter(code__in=frame["kelurahan_code"].to_list()).values_list(
                "code", "name"
            )
        )
        for row in frame.iter_rows(named=True):
            rows.append({**row, "name": names.get(row["kelurahan_code"], "")})
            for key in totals:
                totals[key] += int(row[key])
    return render(
        request,
        "targeting/compare.html",
        {"new": new, "old": old, "others": others, "rows": rows, "totals": totals},
    )
