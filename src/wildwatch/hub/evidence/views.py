"""Thin views: the case's evidence page (export button, packages, custody log), the export (a ZIP download), and
one exported package (its manifest: viewing it is a custody entry)."""

from __future__ import annotations

import json
import re
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from wildwatch.hub.accounts.permissions import roles_required
from wildwatch.hub.accounts.roles import COALITION, Role
from wildwatch.hub.library.services import public_key
from wildwatch.hub.reports.models import Case

from . import services
from .models import CustodyEntry, Package
from .package import signature_valid

#: who may use the evidence pages at all; officers only for the cases of their jurisdiction (``may_export``)
EVIDENCE_ROLES = COALITION | {Role.OFFICER}
_HEX64 = re.compile(r"[0-9a-f]{64}")


class ExportForm(forms.Form):
    reference = forms.CharField(
        label=_("Your reference (optional)"), max_length=200, required=False,
        help_text=_("An investigation or request number, for instance. It is written into the package's manifest "
                    "and the custody log."))


def _case(request: HttpRequest, case_id: int) -> Case:
    case = get_object_or_404(Case.objects.select_related("platform"), pk=case_id)
    if not services.may_export(request.user, case):
        raise PermissionDenied("this case is not in your jurisdiction")
    return case


def _case_page(request: HttpRequest, case: Case, form: ExportForm, status: int = 200) -> HttpResponse:
    return render(request, "evidence/case.html", {
        "case": case, "form": form,
        "reports": case.reports.count(), "screenshots": case.reports.exclude(screenshot="").count(),
        "decisions": case.decisions.count(),
        "packages": Package.objects.filter(case=case).select_related("exported_by")[:200],
        "custody": CustodyEntry.objects.filter(case=case)[:500],
        "fingerprint": services.hub_key_fingerprint(), "public_key": public_key().decode("ascii"),
    }, status=status)


@roles_required(EVIDENCE_ROLES)
def case(request: HttpRequest, case_id: int) -> HttpResponse:
    return _case_page(request, _case(request, case_id), ExportForm())


@roles_required(EVIDENCE_ROLES)
@require_POST
def export(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    form = ExportForm(request.POST)
    if not form.is_valid():
        return _case_page(request, case, form, status=400)
    exported = services.build_package(case, request.user, reference=form.cleaned_data["reference"])
    response = HttpResponse(exported.data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
    response["Content-Length"] = str(len(exported.data))
    response["X-Wildwatch-Manifest-Digest"] = exported.package.manifest_digest
    response["Cache-Control"] = "no-store"
    return response


@roles_required(EVIDENCE_ROLES)
def package(request: HttpRequest, case_id: int, digest: str) -> HttpResponse:
    case = _case(request, case_id)
    if not _HEX64.fullmatch(digest):
        raise Http404("no such package")
    item = get_object_or_404(Package.objects.select_related("case"), case=case, manifest_digest=f"sha256:{digest}")
    services.record_view(item, request.user)
    manifest: dict[str, Any] = json.loads(item.manifest)
    return render(request, "evidence/package.html", {
        "case": case, "package": item, "manifest": manifest, "files": manifest.get("files", []),
        "exported_by": manifest.get("exported_by") or {},
        "valid": signature_valid(public_key(), item.manifest.encode("utf-8"), item.signature),
        "fingerprint": services.hub_key_fingerprint(),
    })
