"""``POST /api/v1/reports/forwarded``: a member platform forwards the wildlife reports its own users filed in its
app. Each becomes a case in the platform's own review queue (after the law-enforcement check), and counts in the
metrics as a report. Forwarding the same report id again changes nothing and answers the same."""

from __future__ import annotations

from typing import Annotated, Any

from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Router, Schema

from wildwatch.detect.categories import PRODUCTS
from wildwatch.hub.accounts.models import ApiKey
from wildwatch.hub.checks import idempotency
from wildwatch.hub.checks.auth import key_of
from wildwatch.hub.checks.errors import ApiError
from wildwatch.hub.checks.idempotency import IdempotencyKey
from wildwatch.hub.checks.schemas import StoredText as Text

from . import services
from .models import Case, CaseStatus, Report, ReportKind

router = Router(tags=["reports"])
MAX_FORWARDED = 100




class ForwardedSeller(Schema):
    handle: Text = Field(default="", max_length=200)
    contacts: list[Annotated[Text, Field(max_length=200)]] = Field(default_factory=list, max_length=20)
    location: Text = Field(default="", max_length=100)


class ForwardedReport(Schema):
    id: Text = Field(min_length=1, max_length=200, description="your id of the user's report")
    url: Text = Field(min_length=1, max_length=2048, description="the reported listing, on your platform")
    reason: Text = Field(default="", max_length=4000, description="what your user wrote")
    listing_text: Text = Field(default="", max_length=100_000)
    species: Text = Field(default="", max_length=300)
    product: Text = Field(default="", max_length=40, description=f"one of: {', '.join(PRODUCTS)}")
    seller: ForwardedSeller | None = None


class ForwardedBatch(Schema):
    reports: list[ForwardedReport] = Field(min_length=1, max_length=MAX_FORWARDED)


def _answer(report: Report, duplicate: bool) -> dict[str, Any]:
    case: Case = report.case
    held = case.status == CaseStatus.ON_HOLD
    out: dict[str, Any] = {"id": report.external_id, "case": case.pk, "duplicate": duplicate,
                           "status": "held" if held else "queued"}
    if held:
        out["hold"] = services.hold_message(case)
    return out


def _forward(key: ApiKey, batch: ForwardedBatch) -> dict[str, Any]:
    platform = key.platform
    results: list[dict[str, Any]] = []
    for n, item in enumerate(batch.reports):
        existing = Report.objects.filter(platform=platform, kind=ReportKind.FORWARDED, external_id=item.id).first()
        if existing is not None:
            results.append(_answer(existing, True))
            continue
        if item.product and item.product not in PRODUCTS:
            raise _bad(n, "product", f"unknown product {item.product!r}")
        try:
            where = services.locate(item.url)
        except services.ReportError as exc:
            raise _bad(n, "url", exc.messages[0]) from exc
        if where.platform != platform:
            raise ApiError(403, "not_your_platform",
                           f"reports[{n}].url is not on {platform.name}: forward reports about your own listings",
                           [{"loc": ["body", "reports", n, "url"], "message": "not on your platform",
                             "type": "not_your_platform"}])
        seller = item.seller or ForwardedSeller()
        report = services.file_report(
            ReportKind.FORWARDED, item.url, notes=item.reason, listing_text=item.listing_text,
            species_text=item.species, product=item.product, seller_handle=seller.handle,
            seller_contacts=seller.contacts, seller_location=seller.location, platform=platform,
            external_id=item.id)
        case = report.case
        if case.status == CaseStatus.TRIAGE:  # the platform's own users reported it: straight to its queue
            report.case = services.refer_case(case, None)[0]
        results.append(_answer(report, False))
    return {"results": results}


def _bad(n: int, field: str, message: str) -> ApiError:
    return ApiError(422, "invalid_report", f"reports[{n}].{field}: {message}",
                    [{"loc": ["body", "reports", n, field], "message": message, "type": "invalid_report"}])


@router.post("/forwarded", summary="Forward reports your users filed in your app: each becomes a case in your queue")
def forwarded(request: HttpRequest, body: ForwardedBatch, idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
    key = key_of(request)

    def produce() -> dict[str, Any]:
        with transaction.atomic():  # all the batch or nothing of it
            return _forward(key, body)

    return idempotency.once(key, idempotency_key, "reports/forwarded", request.body, produce)
