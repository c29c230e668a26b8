"""The signal bank's services: contributions (deduplicated, counted by member), the pull log and its cursor,
retraction, opinions and disputes, expiry, who may share, and that no member learns who contributed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from wildwatch.hub.accounts import services as accounts
from wildwatch.hub.accounts.models import AuditEntry, Organisation
from wildwatch.hub.signals import keys, services
from wildwatch.hub.signals.models import Kind, LogEntry, Signal, Status
from wildwatch.hub.signals.services import Content, SignalError

pytestmark = pytest.mark.django_db

PDQ = "f" * 64
SHA = "a" * 64


def member(slug: str, *, sharing: bool = True) -> Organisation:
    org = accounts.create_organisation(slug, slug.title(), "member")
    accounts.add_platform(org, f"{slug}-shop", "Shop", "ecommerce", ["VN"])
    if sharing:
        services.set_sharing(org, True)
    return org


def content(*hashes: tuple[str, str], contacts: tuple[tuple[str, str], ...] = ()) -> Content:
    return Content(hashes=list(hashes), contacts=set(contacts))


def add(org: Organisation, c: Content, category: str = "prohibited", **kw: Any) -> list[Signal]:
    return services.contribute(org, c, category=category, source="api", item_id="item-1", **kw)


def test_the_same_content_from_two_members_is_one_signal_removed_by_two() -> None:
    a, b = member("sig-a"), member("sig-b")
    [first] = add(a, content((Kind.IMAGE_PDQ, PDQ)))
    [again] = add(b, content((Kind.IMAGE_PDQ, PDQ)))
    add(a, content((Kind.IMAGE_PDQ, PDQ)))  # a second removal by the same member adds nothing
    assert first.pk == again.pk and Signal.objects.count() == 1
    assert services.members_behind([first.pk]) == 2
    assert [e.op for e in LogEntry.objects.order_by("seq")] == ["add"]  # logged once, when it appeared
    entry = AuditEntry.objects.filter(action="signals.contribute").first()
    assert entry is not None and PDQ not in str(entry.details)  # the audit keeps counts, not values


def test_contacts_are_hmacd_with_the_hubs_current_key_and_never_pulled(settings: Any, tmp_path: Any) -> None:
    settings.VAR_DIR = tmp_path
    a, b = member("sig-a"), member("sig-b")
    [contact] = add(a, content(contacts=(("phone", "+84912345678"),)))
    key_id, key = keys.current()
    assert contact.kind == Kind.CONTACT and contact.key_id == key_id
    assert contact.value == keys.digest("phone", "+84912345678", key) and "84912345678" not in contact.value
    add(a, content((Kind.TEXT, "0" * 256)))
    pulled = services.pull(b, 0)
    assert [s["kind"] for s in pulled["signals"]] == [Kind.TEXT]  # the contact's entry is skipped...
    assert pulled["next"] == LogEntry.objects.order_by("-seq").first().seq  # ...but the cursor moves past it
    # a rotation: new contacts use the new key, old signals keep theirs
    assert keys.rotate() != key_id
    [newer] = add(b, content(contacts=(("phone", "+84987654321"),)))
    assert newer.key_id != key_id and Signal.objects.get(pk=contact.pk).key_id == key_id


def test_pulls_page_through_the_log_in_order_and_are_audited() -> None:
    a, b = member("sig-a"), member("sig-b")
    for n in range(5):
        add(a, content((Kind.IMAGE_SHA256, f"{n:064x}")))
    first = services.pull(b, 0, limit=3)
    assert [s["value"] for s in first["signals"]] == [f"{n:064x}" for n in range(3)] and first["more"] is True
    second = services.pull(b, first["next"], limit=3)
    assert [s["value"] for s in second["signals"]] == [f"{n:064x}" for n in (3, 4)] and second["more"] is False
    assert services.pull(b, second["next"])["signals"] == []
    assert AuditEntry.objects.filter(action="signals.pull", organisation=b).count() == 3
    with pytest.raises(SignalError):
        services.pull(b, -1)


def test_no_member_learns_who_contributed() -> None:
    a, b = member("sig-a"), member("sig-b")
    [signal] = add(a, content((Kind.IMAGE_PDQ, PDQ)))
    pulled = services.pull(b, 0)["signals"][0]
    assert set(pulled) == {"seq", "op", "id", "kind", "value", "category", "members", "expires_at"}
    assert "sig-a" not in str(pulled) and pulled["members"] == 1
    # retracting someone else's signal: the same 404 as for a signal that does not exist
    with pytest.raises(SignalError) as theirs:
        services.retract(b, signal.pk)
    with pytest.raises(SignalError) as missing:
        services.retract(b, signal.pk + 1000)
    assert (theirs.value.status, str(theirs.value).replace(str(signal.pk), "N")) == (
        missing.value.status, str(missing.value).replace(str(signal.pk + 1000), "N")) and theirs.value.status == 404


def test_retraction_removes_a_contribution_and_the_last_one_stops_the_signal() -> None:
    a, b = member("sig-a"), member("sig-b")
    [signal] = add(a, content((Kind.IMAGE_PDQ, PDQ)))
    add(b, content((Kind.IMAGE_PDQ, PDQ)))
    services.retract(a, signal.pk)
    assert Signal.objects.get(pk=signal.pk).status == Status.ACTIVE  # b removed it too
    assert services.members_behind([signal.pk]) == 1
    services.retract(b, signal.pk)
    assert Signal.objects.get(pk=signal.pk).status == Status.RETRACTED
    assert [e.op for e in LogEntry.objects.order_by("seq")] == ["add", "remove"]
    add(b, content((Kind.IMAGE_PDQ, PDQ)))  # removed again later: active again, and pulled again
    assert Signal.objects.get(pk=signal.pk).status == Status.ACTIVE
    assert [e.op for e in LogEntry.objects.order_by("seq")] == ["add", "remove", "add"]


def test_disputes_by_several_members_go_to_an_analyst() -> None:
    a, b, c = member("sig-a"), member("sig-b"), member("sig-c")
    [signal] = add(a, content((Kind.TEXT, "1" * 256)))
    with pytest.raises(SignalError) as never_matched:
        services.give_opinion(b, signal.pk, "dispute")
    assert never_matched.value.status == 404  # only members whose checks matched it
    services.record_matches(b, [signal.pk])
    services.record_matches(c, [signal.pk, signal.pk])
    services.give_opinion(b, signal.pk, "dispute", "a museum piece, not for sale")
    assert Signal.objects.get(pk=signal.pk).status == Status.ACTIVE  # one dispute is not enough
    services.give_opinion(b, signal.pk, "dispute")  # the same member again: still one
    assert Signal.objects.get(pk=signal.pk).status == Status.ACTIVE
    services.give_opinion(c, signal.pk, "dispute")
    assert Signal.objects.get(pk=signal.pk).status == Status.DISPUTED
    assert list(services.disputed()) == [Signal.objects.get(pk=signal.pk)]
    analyst = accounts.add_member(accounts.create_organisation("sig-ngo", "NGO", "ngo"), "sig-analyst", "analyst")
    services.resolve(signal.pk, True, actor=analyst, note="checked: a real sale")
    assert Signal.objects.get(pk=signal.pk).status == Status.ACTIVE
    assert [e.op for e in LogEntry.objects.order_by("seq")] == ["add", "remove", "add"]
    with pytest.raises(SignalError):
        services.resolve(signal.pk, False, actor=analyst)  # not disputed any more
    assert AuditEntry.objects.filter(action="signals.resolve", actor=analyst).count() == 1


def test_expired_signals_stop_matching() -> None:
    a = member("sig-a")
    [signal] = add(a, content((Kind.IMAGE_SHA256, SHA)), expires_at=timezone.now() + timedelta(days=1))
    assert services.expire() == 0
    Signal.objects.filter(pk=signal.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert services.expire() == 1 and services.expire() == 0
    assert Signal.objects.get(pk=signal.pk).status == Status.EXPIRED
    with pytest.raises(SignalError):
        add(a, content((Kind.IMAGE_SHA256, SHA)), expires_at=timezone.now() - timedelta(days=1))


def test_only_members_with_sharing_enabled_take_part() -> None:
    a, off = member("sig-a"), member("sig-off", sharing=False)
    for attempt in (lambda: add(off, content((Kind.IMAGE_PDQ, PDQ))), lambda: services.pull(off, 0)):
        with pytest.raises(SignalError) as refused:
            attempt()
        assert refused.value.status == 403 and refused.value.code == "sharing_disabled"
    services.set_sharing(a, False)
    assert not services.sharing_enabled(a)
    ngo = accounts.create_organisation("sig-ngo", "NGO", "ngo")
    with pytest.raises(SignalError):
        services.set_sharing(ngo, True)
