"""The demo progress data: membership from the launch, attested totals like the coalition's report, idempotent."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.management import call_command

from wildwatch.hub.accounts.models import AuditEntry, Organisation, Platform
from wildwatch.hub.metrics import indicators
from wildwatch.hub.metrics.demo import NOTE, load_demo_metrics
from wildwatch.hub.metrics.models import Attestation, AttestationState
from wildwatch.hub.plans.models import TrainingSession

START, END = date(2018, 3, 1), date(2024, 9, 30)
BLOCKED_OR_REMOVED = ("listings_removed", "posts_removed", "accounts_removed", "blocked_at_posting")


def _counts() -> dict[str, int]:
    return {"organisations": Organisation.objects.count(), "platforms": Platform.objects.count(),
            "attestations": Attestation.objects.count(), "sessions": TrainingSession.objects.count(),
            "audit": AuditEntry.objects.count()}


@pytest.mark.django_db
def test_demo_metrics_read_like_the_coalition_report() -> None:
    call_command("demo", "--no-library", stdout=io.StringIO())
    made = load_demo_metrics()
    assert made > 300

    members = indicators.membership(date(2018, 3, 31))
    assert members[-1][1] == 21
    assert indicators.coalition_start() == START
    now = indicators.membership(END)[-1][1]
    assert 38 <= now <= 42
    platforms = Platform.objects.filter(organisation__kind="member", joined_on__lte=END).count()
    assert platforms > 50

    # every demo attestation went through the workflow: entered by a member admin, accepted by the analyst
    demo = Attestation.objects.filter(note=NOTE)
    assert demo.count() == demo.filter(state=AttestationState.ACCEPTED, reviewed_by__username="analyst").count()
    assert not demo.filter(created_by__isnull=True).exists()
    assert not demo.filter(created_by__username="analyst").exists()

    totals = indicators.coalition_totals(END, since=START)
    attested = indicators.attested(START, END)
    blocked = sum(attested[k].value or 0 for k in BLOCKED_OR_REMOVED)
    assert 23_500_000 <= blocked <= 24_500_000  # "24.1 million listings and accounts blocked"
    assert totals["listings_removed"].source == "attested"  # the members' figures, the hub's count beside them
    assert totals["listings_removed"].value == attested["listings_removed"].value
    assert totals["staff_trained"].value == pytest.approx(3_050, abs=50)  # from the training sessions
    assert attested["staff_trained"].value == pytest.approx(3_050, abs=50)
    assert attested["user_accounts"].value == pytest.approx(11e9, rel=0.02)  # the latest level of each company
    assert (indicators.attested(date(2019, 1, 1), date(2019, 12, 31))["user_accounts"].value or 0) < 8e9  # grew

    before = _counts()
    assert load_demo_metrics() == 0
    assert _counts() == before
    call_command("demo", "--no-library", stdout=io.StringIO())  # the command again keeps the join dates
    assert indicators.membership(date(2018, 3, 31))[-1][1] == 21

