"""The audit log as a hash chain, anchored outside the database.

Entries are written by :func:`wildwatch.hub.accounts.services.audit` like any row, with no lock on the hot path.
:func:`seal` (a scheduled task every five minutes, and before each anchor) takes the chain's lock, appends every
unsealed entry in id order and moves the head: each entry gets its ``seq``, its ``payload`` (the canonical JSON of
what it says) and ``entry_hash`` = SHA-256(previous hash + newline + payload). :func:`anchor` then appends the head
(``seq``, hash, time) to an append-only file outside the database (``WILDWATCH_AUDIT_ANCHORS``, by default
``$WILDWATCH_VAR/audit-anchors.jsonl``), to be shipped to write-once storage or a log host.

:func:`verify` (``wildwatch hub auditchain verify``) recomputes the chain: a changed entry (its columns no longer
match its payload, or its payload no longer matches its hash), a removed or inserted one (a broken link), and a
history rewritten consistently by someone with database access (the recomputed hashes no longer match the anchored
heads) are all reported. Deleting a user or an organisation only nulls the entry's reference, which verify accepts
(the payload keeps the id). Entries not yet sealed are counted, not verified.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from .models import AuditEntry, AuditHead

GENESIS = "0" * 64
BATCH = 2000


def anchors_path() -> Path:
    return Path(getattr(settings, "WILDWATCH_AUDIT_ANCHORS", settings.VAR_DIR / "audit-anchors.jsonl"))


def payload_of(entry: AuditEntry, seq: int) -> str:
    """The canonical JSON an entry is sealed with."""
    doc = {"seq": seq, "id": entry.pk, "at": entry.created_at.astimezone(UTC).isoformat(),
           "action": entry.action, "target": entry.target, "details": entry.details,
           "actor": entry.actor_id, "organisation": entry.organisation_id, "api_key": entry.api_key_id}
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def chain_hash(prev: str, payload: str) -> str:
    return hashlib.sha256(f"{prev}\n{payload}".encode()).hexdigest()


def _lock_head() -> AuditHead:
    """The head row, locked until the end of the transaction: a no-op update takes the row lock on PostgreSQL and
    the write lock on SQLite, so two sealers never interleave."""
    if not AuditHead.objects.filter(pk=1).update(seq=F("seq")):
        # the first seal ever (or after a flush): whoever creates the row holds its lock; the others wait here
        AuditHead.objects.get_or_create(pk=1)
        AuditHead.objects.filter(pk=1).update(seq=F("seq"))
    return AuditHead.objects.get(pk=1)


def seal() -> int:
    """Append the unsealed entries to the chain; returns how many were sealed."""
    total = 0
    while True:
        with transaction.atomic():
            head = _lock_head()
            batch = list(AuditEntry.objects.filter(seq__isnull=True).order_by("id")[:BATCH])
            if not batch:
                return total
            seq, prev = head.seq, head.hash
            for entry in batch:
                seq += 1
                payload = payload_of(entry, seq)
                digest = chain_hash(prev, payload)
                # the one place that writes to an existing entry: sealing, once (seq is null until then)
                models.QuerySet.update(AuditEntry.objects.filter(pk=entry.pk, seq__isnull=True), seq=seq,
                                       payload=payload, prev_hash=prev, entry_hash=digest)
                prev = digest
            AuditHead.objects.filter(pk=1).update(seq=seq, hash=prev, sealed_at=timezone.now())
            total += len(batch)


def anchor(path: Path | None = None) -> dict[str, Any]:
    """Seal, then append the head to the anchors file (fsync'd); returns the anchor written."""
    seal()
    head = AuditHead.objects.get_or_create(pk=1)[0]
    record = {"seq": head.seq, "hash": head.hash, "at": timezone.now().isoformat()}
    target = path or anchors_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, (json.dumps(record, sort_keys=True) + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    return record


def seal_and_anchor() -> dict[str, Any]:
    """The scheduled task."""
    return anchor()


def read_anchors(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    out = []
    for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            doc = json.loads(line)
            out.append({"line": n, "seq": int(doc["seq"]), "hash": str(doc["hash"])})
        except (ValueError, KeyError, TypeError):
            out.append({"line": n, "seq": -1, "hash": ""})
    return out


@dataclass
class Verification:
    checked: int = 0
    unsealed: int = 0
    anchors: int = 0
    head_seq: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _sealed() -> Iterator[AuditEntry]:
    last = 0
    while True:
        batch = list(AuditEntry.objects.filter(seq__gt=last).order_by("seq")[:BATCH])
        if not batch:
            return
        yield from batch
        last = batch[-1].seq or last


def _columns_match(entry: AuditEntry, payload: str) -> bool:
    """The entry's columns say what its payload says (a reference nulled by a deletion is accepted)."""
    doc = json.loads(payload)
    now = json.loads(payload_of(entry, int(doc["seq"])))
    for ref in ("actor", "organisation", "api_key"):
        if now[ref] is None and doc[ref] is not None:
            now[ref] = doc[ref]
    return bool(now == doc)


def verify(path: Path | None = None, *, limit: int = 20) -> Verification:
    """Recompute the chain and compare it with the anchored heads."""
    result = Verification()
    hashes: dict[int, str] = {}
    anchors = read_anchors(path or anchors_path())
    wanted = {a["seq"] for a in anchors}
    prev, expected_seq = GENESIS, 1

    def problem(text: str) -> None:
        if len(result.problems) < limit:
            result.problems.append(text)

    for entry in _sealed():
        seq = int(entry.seq or 0)
        if seq != expected_seq:
            problem(f"entries {expected_seq}..{seq - 1} are missing (the chain jumps to {seq})")
        if entry.prev_hash != prev:
            problem(f"entry {seq}: its link to the previous entry is broken")
        if chain_hash(entry.prev_hash, entry.payload) != entry.entry_hash:
            problem(f"entry {seq}: its payload does not match its hash")
        elif not _columns_match(entry, entry.payload):
            problem(f"entry {seq} (id {entry.pk}): changed since it was sealed")
        if seq in wanted:
            hashes[seq] = entry.entry_hash
        prev, expected_seq = entry.entry_hash, seq + 1
        result.checked += 1
    result.head_seq = expected_seq - 1
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and (head.seq, head.hash) != (result.head_seq, prev):
        problem(f"the recorded head (entry {head.seq}) is not the chain's last entry ({result.head_seq})")
    for a in anchors:
        result.anchors += 1
        if a["seq"] < 0:
            problem(f"anchors file line {a['line']}: unreadable")
        elif a["seq"] == 0:
            continue
        elif a["seq"] not in hashes:
            problem(f"anchor of line {a['line']}: entry {a['seq']} is no longer in the chain")
        elif hashes[a["seq"]] != a["hash"]:
            problem(f"anchor of line {a['line']}: entry {a['seq']} was rewritten (its hash differs from the anchored one)")
    result.unsealed = AuditEntry.objects.filter(seq__isnull=True).count()
    return result
