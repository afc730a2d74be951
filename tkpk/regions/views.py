from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tkpk.core.forms import clean_search_text
from tkpk.core.permissions import scope_for
from tkpk.regions import selectors
from tkpk.regions.models import Level


@login_required
def browse(request: HttpRequest, code: str | None = None) -> HttpResponse:
    """Province → kota → kecamatan → kelurahan, with a search across all levels."""
    region = (
        selectors.region_get(user=request.user, code=code)
        if code
        else selectors.region_root(user=request.user)
    )
    query = clean_search_text(request.GET.get("q"))
    level = request.GET.get("level", "")
    if level not in Level.values:
        level = ""
    results = None
    if query or level:
        results = Paginator(
            selectors.region_search(
                user=request.user, query=query, level=level, parent=region.code
            ),
            50,
        ).get_page(request.GET.get("page"))
    context = {
        "region": region,
        "ancestors": selectors.region_ancestors(region=region),
        "children": selectors.region_children(region=region),
        "crosswalk": region.external_codes.all(),
        "results": results,
        "query": query,
        "level": level,
        "levels": Level.choices,
        "in_my_area": not scope_for(request.user).province_wide
        and scope_for(request.user).covers_region(region.code),
    }
    template = "regions/browse.html"
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "region-results":
        template += "#results"
    return render(request, template, context)
