"""The audit log is append-only and sealed into a hash chain whose heads are anchored outside the database:
changes through the application are refused, and changes made directly in the database are found by verify."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from wildwatch.hub.accounts import auditchain, services
from wildwatch.hub.accounts.models import AuditEntry, AuditHead, AuditImmutable
from wildwatch.hub.library.tasks import SCHEDULES

pytestmark = pytest.mark.django_db


@pytest.fixture
def anchors(tmp_path: Path, settings: Any) -> Path:
    settings.WILDWATCH_AUDIT_ANCHORS = tmp_path / "anchors.jsonl"
    return Path(settings.WILDWATCH_AUDIT_ANCHORS)


def some_entries(n: int = 5) -> list[AuditEntry]:
    org = services.create_organisation("chain-ngo", "Chain NGO", "ngo")
    return [services.audit("test.action", organisation=org, target=f"t{i}", n=i, text="élan") for i in range(n)]


def raw(sql: str, *params: Any) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_entries_are_sealed_in_order_and_verify(anchors: Path) -> None:
    entries = some_entries()
    before = AuditEntry.objects.filter(seq__isnull=True).count()
    assert auditchain.verify().unsealed == before >= 5
    record = auditchain.anchor()
    assert record["seq"] == before and AuditHead.objects.get(pk=1).hash == record["hash"]
    sealed = list(AuditEntry.objects.order_by("seq"))
    assert [e.seq for e in sealed] == list(range(1, before + 1))
    assert sealed[0].prev_hash == auditchain.GENESIS
    assert all(b.prev_hash == a.entry_hash for a, b in itertools.pairwise(sealed))
    assert json.loads(AuditEntry.objects.get(pk=entries[2].pk).payload)["details"] == {"n": 2, "text": "élan"}
    result = auditchain.verify()
    assert result.ok and result.checked == before and result.anchors == 1 and result.unsealed == 0
    services.audit("test.later")  # written after the anchor: not yet sealed, still fine
    assert auditchain.verify().ok and auditchain.verify().unsealed == 1
    assert auditchain.seal() == 1 and auditchain.seal() == 0


def test_the_application_cannot_change_or_delete_entries() -> None:
    entry = some_entries(1)[0]
    entry.action = "something.else"
    with pytest.raises(AuditImmutable):
        entry.save()
    with pytest.raises(AuditImmutable):
        entry.delete()
    with pytest.raises(AuditImmutable):
        AuditEntry.objects.filter(pk=entry.pk).update(action="x")
    with pytest.raises(AuditImmutable):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.action"


def test_an_entry_changed_in_the_database_is_found(anchors: Path) -> None:
    entries = some_entries()
    auditchain.anchor()
    raw("UPDATE accounts_auditentry SET target = %s WHERE id = %s", "forged", entries[1].pk)
    result = auditchain.verify()
    seq = AuditEntry.objects.get(pk=entries[1].pk).seq
    assert not result.ok and result.problems == [f"entry {seq} (id {entries[1].pk}): changed since it was sealed"]
    with pytest.raises(CommandError, match="does not verify"):
        call_command("auditchain", "verify")


def test_a_history_rewritten_consistently_is_caught_by_the_anchor(anchors: Path) -> None:
    entries = some_entries()
    auditchain.anchor()
    # someone with database access rewrites an entry and recomputes every later payload and hash, and the head
    victim = AuditEntry.objects.get(pk=entries[0].pk)
    prev = victim.prev_hash
    for entry in AuditEntry.objects.filter(seq__gte=victim.seq).order_by("seq"):
        if entry.pk == victim.pk:
            raw("UPDATE accounts_auditentry SET target = %s WHERE id = %s", "forged", entry.pk)
            entry.target = "forged"
        payload = auditchain.payload_of(entry, int(entry.seq or 0))
        digest = auditchain.chain_hash(prev, payload)
        raw("UPDATE accounts_auditentry SET payload = %s, prev_hash = %s, entry_hash = %s WHERE id = %s",
            payload, prev, digest, entry.pk)
        prev = digest
    raw("UPDATE accounts_audithead SET hash = %s WHERE id = 1", prev)
    result = auditchain.verify()
    assert not result.ok
    assert result.problems == [f"anchor of line 1: entry {AuditHead.objects.get(pk=1).seq} was rewritten (its hash "
                               "differs from the anchored one)"]


def test_removed_entries_are_found(anchors: Path) -> None:
    some_entries()
    auditchain.anchor()
    head = AuditHead.objects.get(pk=1).seq
    raw("DELETE FROM accounts_auditentry WHERE seq = %s", 2)
    raw("DELETE FROM accounts_auditentry WHERE seq = %s", head)
    problems = auditchain.verify().problems
    assert "entries 2..2 are missing (the chain jumps to 3)" in problems
    assert "entry 3: its link to the previous entry is broken" in problems
    assert f"anchor of line 1: entry {head} is no longer in the chain" in problems


def test_deleting_a_user_keeps_the_chain_valid(anchors: Path) -> None:
    org = services.create_organisation("chain-ngo", "Chain NGO", "ngo")
    user = services.add_member(org, "leaver", "analyst", password="correct-horse-battery-9")
    services.audit("test.by_user", actor=user, target="x")
    auditchain.anchor()
    user.delete()  # the entry's actor becomes null; its payload keeps the id
    assert AuditEntry.objects.filter(action="test.by_user", actor__isnull=True).exists()
    assert auditchain.verify().ok


def test_the_command_and_the_schedule(anchors: Path, capsys: Any) -> None:
    some_entries(3)
    call_command("auditchain", "anchor")
    call_command("auditchain", "verify")
    out = capsys.readouterr().out
    assert "anchored entry" in out and "audit chain verified" in out
    assert anchors.read_text().count("\n") == 1
    assert SCHEDULES["seal and anchor the audit chain"][0] == "wildwatch.hub.accounts.auditchain.seal_and_anchor"


def test_the_admin_shows_entries_read_only(admin_client: Any) -> None:
    entry = some_entries(1)[0]
    assert admin_client.get(f"/admin/accounts/auditentry/{entry.pk}/change/").status_code == 200
    assert admin_client.post(f"/admin/accounts/auditentry/{entry.pk}/change/", {"action": "x"}).status_code == 403
    assert admin_client.post(f"/admin/accounts/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert admin_client.get("/admin/accounts/auditentry/add/").status_code == 403
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.action"


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_and_sealers_make_one_chain(anchors: Path) -> None:
    import threading

    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers: concurrent sealing needs PostgreSQL")
    from django.db import connections

    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def work(i: int) -> None:
        try:
            start.wait()
            auditchain.seal()  # the first seal ever, by all four at once
            for j in range(15):
                services.audit("test.concurrent", target=f"{i}-{j}")
                if j % 5 == 4:
                    auditchain.seal()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    auditchain.anchor()
    seqs = list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) >= 60
    assert auditchain.verify().ok
