"""The releases: list and publish, one release, its watermarked download, and the diff of two releases."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotModified
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from wildwatch.hub.accounts.permissions import roles_required
from wildwatch.hub.accounts.roles import COALITION, LIBRARY_READERS

from ..forms import PublishForm
from ..models import Release
from ..services import diff_releases, public_key, publish_release, record_download, watermarked_bundle
from .common import DOWNLOADERS, audit_view, can, first_organisation


def _releases_page(request: HttpRequest, form: PublishForm) -> HttpResponse:
    rows = list(Release.objects.select_related("published_by").defer("bundle")[:200])
    audit_view(request, "releases", releases=[r.number for r in rows])
    return render(request, "library/releases.html", {
        "releases": rows, "form": form, "is_analyst": can(request, COALITION),
        "public_key": public_key().decode("ascii")})


@roles_required(LIBRARY_READERS)
def releases(request: HttpRequest) -> HttpResponse:
    return _releases_page(request, PublishForm())


@roles_required(COALITION)
def publish(request: HttpRequest) -> HttpResponseBase:
    if request.method != "POST":
        return redirect("library:releases")
    form = PublishForm(request.POST)
    if not form.is_valid():
        return _releases_page(request, form)
    made = publish_release(actor=request.user, changelog=form.cleaned_data["changelog"])
    messages.success(request, _("Release %(number)s is published.") % {"number": made.number})
    return redirect("library:release", number=made.number)


@roles_required(LIBRARY_READERS)
def release(request: HttpRequest, number: int) -> HttpResponse:
    item = get_object_or_404(Release.objects.select_related("published_by").defer("bundle"), number=number)
    previous = Release.objects.filter(number__lt=number).order_by("-number").values_list("number", flat=True).first()
    audit_view(request, f"release {number}", number=number)
    return render(request, "library/release.html", {
        "release": item, "previous": previous, "terms": len(item.term_snapshot),
        "can_download": can(request, DOWNLOADERS), "is_analyst": can(request, COALITION)})


def _etags(header: str) -> set[str]:
    return {t.strip().removeprefix("W/").strip('"') for t in header.split(",") if t.strip()}


@roles_required(DOWNLOADERS)
def release_download(request: HttpRequest, number: int) -> HttpResponseBase:
    """The organisation's own watermarked copy; 304 when the client already has it."""
    item = get_object_or_404(Release, number=number)
    org = first_organisation(request)
    if org is None:
        return HttpResponse(status=403)
    data, signature, etag = watermarked_bundle(item, org)
    quoted = f'"{etag}"'
    if etag in _etags(request.headers.get("If-None-Match", "")):
        response: HttpResponseBase = HttpResponseNotModified()
    else:
        record_download(item, org, user=request.user, etag=etag)
        response = HttpResponse(data, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="wildwatch-library-{item.number}.wwlib"'
        response["Content-Length"] = str(len(data))
    response["ETag"] = quoted
    response["X-Wildwatch-Signature"] = signature
    response["Cache-Control"] = "private, no-cache"
    return response


@roles_required(LIBRARY_READERS)
def diff(request: HttpRequest, a: int, b: int) -> HttpResponse:
    old = get_object_or_404(Release, number=a)
    new = get_object_or_404(Release, number=b)
    changes = diff_releases(old, new)
    audit_view(request, f"diff {a}..{b}", a=a, b=b, **{k: len(v) for k, v in changes.items()})
    return render(request, "library/diff.html", {"a": old, "b": new, "changes": changes,
                                                 "is_analyst": can(request, COALITION)})
