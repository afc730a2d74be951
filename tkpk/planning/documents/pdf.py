"""The plan as a printable PDF: the print HTML rendered by WeasyPrint."""

from __future__ import annotations

from django.template.loader import render_to_string

from tkpk.planning.documents.content import plan_content
from tkpk.planning.models import Plan


def plan_html(*, plan: Plan) -> str:
    """The print HTML: every text is escaped by the template; section bodies arrive as blocks."""
    return render_to_string("planning/plan_print.html", {"content": plan_content(plan=plan)})


def plan_pdf(*, plan: Plan) -> bytes:
    from weasyprint import HTML  # noqa: PLC0415 (heavy; only when a PDF is asked for)

    return bytes(HTML(string=plan_html(plan=plan)).write_pdf())
