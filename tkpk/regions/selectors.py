from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from tkpk.core.forms import clean_search_text
from tkpk.core.permissions import require_member
from tkpk.regions.models import KEMENDAGRI_CODE_RE, Region

# Administrative units are reference data: every member may read all of them. The scope is
# still computed so a Wilayah user's own area can be highlighted.


def region_root(*, user: Any) -> Region:
    require_member(user)
    root = Region.objects.filter(pk=settings.TKPK_PROVINCE_CODE).first()
    if root is None:
        raise Http404
    return root


def region_get(*, user: Any, code: str) -> Region:
    require_member(user)
    if not KEMENDAGRI_CODE_RE.match(code):
        raise Http404
    region = Region.objects.select_related("parent").filter(pk=code).first()
    if region is None:
        raise Http404
    return region


def region_children(*, region: Region) -> QuerySet[Region]:
    return region.children.annotate(child_count=Count("children")).order_by("code")


def region_ancestors(*, region: Region) -> list[Region]:
    codes = []
    parts = region.code.split(".")
    for i in range(1, len(parts)):
        codes.append(".".join(parts[:i]))
    found = Region.objects.in_bulk(codes)
    return [found[c] for c in codes if c in found]


def region_search(
    *, user: Any, query: str = "", level: str = "", parent: str = ""
) -> QuerySet[Region]:
    require_member(user)
    query = clean_search_text(query)
    parent = parent if KEMENDAGRI_CODE_RE.match(parent or "") else ""
    qs = Region.objects.select_related("parent")
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(code__startswith=query))
    if level:
        qs = qs.filter(level=level)
    if parent:
        qs = qs.filter(Q(code__startswith=parent + "."))
    return qs.order_by("code")
