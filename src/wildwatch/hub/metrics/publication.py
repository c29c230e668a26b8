"""Publishing progress reports, and their pages: coalition staff preview a report for a period and language and
publish it; a published report (its figures, HTML and PDF) is frozen. Members read the published reports."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wildwatch.hub.accounts.permissions import roles_required
from wildwatch.hub.accounts.roles import COALITION, MEMBERS
from wildwatch.hub.accounts.security import HEADER as CSP
from wildwatch.hub.accounts.security import document_policy, policy, style_hashes
from wildwatch.hub.accounts.services import audit, roles_of

from . import report as reports
from .report_models import ProgressReport


class ReportForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)

    def clean(self) -> dict[str, Any] | None:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if isinstance(start, date) and isinstance(end, date) and start > end:
            raise forms.ValidationError(_("'From' is after 'To'."))
        return data


def since_last(end: date) -> date | None:
    """The first day after the period of the last report that ended before ``end`` (None: no earlier report).
    The same period published in another language is not an earlier report."""
    last = ProgressReport.objects.filter(period_end__lt=end).order_by("-period_end", "-published_at").first()
    return last.period_end + timedelta(days=1) if last else None


def _site(request: HttpRequest | None) -> str:
    return request.build_absolute_uri("/") if request is not None else ""


@transaction.atomic
def publish(start: date, end: date, language: str, user: Any, *, site: str = "") -> ProgressReport:
    """Gathers the report's figures, renders its HTML and PDF and stores them for good."""
    data = reports.build(start, end, language, since=since_last(end))
    frozen = ProgressReport(language=language, period_start=start, period_end=end, figures=data,
                            published_by=user if getattr(user, "is_authenticated", False) else None,
                            published_at=timezone.now())
    frozen.html = reports.render_html(data, published=frozen, site=site)
    frozen.pdf = reports.render_pdf(frozen.html, site)
    frozen.save()
    audit("metrics.report_publish", actor=user, target=f"progress-report:{frozen.pk}", start=start.isoformat(),
          end=end.isoformat(), language=language)
    return frozen


@roles_required(COALITION | MEMBERS)
def reports_list(request: HttpRequest) -> HttpResponse:
    published = ProgressReport.objects.defer("html", "pdf", "figures").select_related("published_by")
    return render(request, "metrics/reports.html", {"reports": published,
                                                    "can_publish": bool(roles_of(request.user) & COALITION)})


@roles_required(COALITION)
def report_new(request: HttpRequest) -> HttpResponseBase:
    form = ReportForm(request.POST if request.method == "POST" else (request.GET or None))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        frozen = publish(data["start"], data["end"], data["language"], request.user, site=_site(request))
        return redirect("metrics:report", pk=frozen.pk)
    context: dict[str, Any] = {"form": form}
    if request.method == "GET" and form.is_bound and form.is_valid():
        data = form.cleaned_data
        draft = reports.build(data["start"], data["end"], data["language"], since=since_last(data["end"]))
        html = reports.render_html(draft, site=_site(request))
        if request.GET.get("format") == "pdf":
            response = HttpResponse(reports.render_pdf(html, _site(request)), content_type="application/pdf")
            response["Content-Disposition"] = f'inline; filename="draft-{data["start"]}-{data["end"]}.pdf"'
            return response
        context.update(preview=html, draft=draft, query=request.GET.urlencode())
    page = render(request, "metrics/report_new.html", context)
    if "preview" in context:  # the draft's iframe (srcdoc) inherits this page's policy: allow its own styles
        page[CSP] = policy({"style-src": style_hashes(context["preview"])})
    return page


@roles_required(COALITION | MEMBERS)
def report(request: HttpRequest, pk: int) -> HttpResponse:
    frozen = get_object_or_404(ProgressReport.objects.defer("pdf"), pk=pk)
    response = HttpResponse(frozen.html, content_type="text/html; charset=utf-8")
    response[CSP] = document_policy(frozen.html)
    return response


@roles_required(COALITION | MEMBERS)
def report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    frozen = get_object_or_404(ProgressReport.objects.defer("html"), pk=pk)
    response = HttpResponse(bytes(frozen.pdf), content_type="application/pdf")
    name = f"wildwatch-progress-{frozen.period_start}-{frozen.period_end}-{frozen.language}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response
