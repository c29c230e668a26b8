"""Incremental pulls never skip or repeat a signal while signals are written concurrently (PostgreSQL: writers
whose transactions commit out of order are exactly what breaks a plain ``id > since`` cursor)."""

from __future__ import annotations

import random
import threading
import time
from typing import Any

import pytest
from django.db import connection, transaction

from wildwatch.hub.accounts import services as accounts
from wildwatch.hub.signals import services
from wildwatch.hub.signals.models import Kind, LogEntry
from wildwatch.hub.signals.services import Content

WRITERS = 4
EACH = 25


@pytest.mark.django_db(transaction=True)
def test_pulls_see_every_signal_once_in_order_while_writers_race() -> None:
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers: out-of-order commits need PostgreSQL")
    writer_orgs = [accounts.create_organisation(f"cur-w{n}", f"Writer {n}", "member") for n in range(WRITERS)]
    reader = accounts.create_organisation("cur-reader", "Reader", "member")
    for org in (*writer_orgs, reader):
        services.set_sharing(org, True)
    errors: list[BaseException] = []
    done = threading.Event()
    pulled: list[dict[str, Any]] = []

    def write(n: int) -> None:
        rng = random.Random(n)
        try:
            for i in range(EACH):
                with transaction.atomic():
                    services.contribute(writer_orgs[n], Content(hashes=[(Kind.IMAGE_SHA256, f"{n:032x}{i:032x}")]),
                                        category="prohibited", source="api")
                    time.sleep(rng.uniform(0, 0.01))  # commits land in any order unless the log orders them
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    def pull() -> None:
        cursor = 0
        try:
            while True:
                finished = done.is_set()
                page = services.pull(reader, cursor, limit=7)
                pulled.extend(page["signals"])
                cursor = page["next"]
                if finished and not page["more"]:
                    break
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    puller = threading.Thread(target=pull)
    writers = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    puller.start()
    for t in writers:
        t.start()
    for t in writers:
        t.join()
    done.set()
    puller.join()
    assert not errors
    seqs = [s["seq"] for s in pulled]
    assert seqs == sorted(set(seqs))  # in order, never twice
    assert len(pulled) == WRITERS * EACH  # never skipped
    assert set(seqs) == set(LogEntry.objects.values_list("seq", flat=True))
    assert seqs == list(range(1, WRITERS * EACH + 1))  # no gap either: a sequence handed out in commit order
