"""Every write to the signal bank (atomic and audited), the pull log and who may do what.

Only member companies with sharing enabled (``Sharing``) contribute, match and pull. A member never learns who
contributed a signal: pulls and matches carry the number of members that removed it, never their names, and a
member that is not a contributor gets the same 404 for a signal whether it exists or not when it tries to retract.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone

from wildwatch.hub.accounts.models import ApiKey, Organisation, Platform
from wildwatch.hub.accounts.services import audit

from . import keys
from .models import (
    SHAREABLE,
    Contribution,
    Kind,
    LogCounter,
    LogEntry,
    Match,
    Op,
    Opinion,
    Sharing,
    Signal,
    SignalOpinion,
    Status,
)

#: members whose current opinion is "dispute" that send a signal to an analyst
DISPUTES_FOR_REVIEW = 2
#: at most this many log entries in one pull
PULL_LIMIT = 1000


class SignalError(Exception):
    """A request the bank refuses; ``code`` is the API's error code."""

    def __init__(self, code: str, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.code, self.status = code, status


@dataclass
class Content:
    """What a removal or an explicit contribution shares: hashes computed by ``wildwatch.signals`` (hex) and
    normalised contacts (kind, value), which the hub hashes with its own key."""

    hashes: list[tuple[str, str]] = field(default_factory=list)  # (Kind, hex value)
    contacts: set[tuple[str, str]] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.hashes or self.contacts)


# --- who may ----------------------------------------------------------------------------------------------------


def sharing_enabled(organisation: Organisation) -> bool:
    return organisation.kind == "member" and Sharing.objects.filter(organisation=organisation, enabled=True).exists()


def require_sharing(organisation: Organisation) -> None:
    if not sharing_enabled(organisation):
        raise SignalError("sharing_disabled", "signal sharing is not enabled for this member company", 403)


@transaction.atomic
def set_sharing(organisation: Organisation, enabled: bool, *, actor: Any = None) -> Sharing:
    if organisation.kind != "member":
        raise SignalError("not_a_member", "only member companies share signals")
    sharing, _ = Sharing.objects.select_for_update().get_or_create(organisation=organisation)
    sharing.enabled, sharing.changed_by = enabled, actor if getattr(actor, "is_authenticated", False) else None
    sharing.save()
    audit("signals.sharing", actor=actor, organisation=organisation, target=organisation.slug, enabled=enabled)
    return sharing


# --- the log ----------------------------------------------------------------------------------------------------


def _lock_log() -> None:
    """Take the log's lock for the rest of the transaction: a no-op update of the counter row takes a row lock on
    PostgreSQL and the write lock on SQLite, both held until commit. Every writer takes it first, before any signal
    row, so writers never deadlock and their log entries become visible in ``seq`` order."""
    assert transaction.get_connection().in_atomic_block, "the log's lock is taken inside the writing transaction"
    if not LogCounter.objects.filter(pk=1).update(last=F("last")):
        # the first writer ever (or after a flush): whoever creates the row holds its lock; the others wait here
        LogCounter.objects.get_or_create(pk=1)
        LogCounter.objects.filter(pk=1).update(last=F("last"))


def log(signal: Signal, op: str) -> LogEntry:
    """Append to the pull log inside the caller's transaction (which holds the log's lock: ``_lock_log``)."""
    LogCounter.objects.filter(pk=1).update(last=F("last") + 1)
    seq = LogCounter.objects.values_list("last", flat=True).get(pk=1)
    return LogEntry.objects.create(seq=seq, signal=signal, op=op)


def _fingerprint(kind: str, key_id: str, value: str) -> str:
    return hashlib.sha256(f"{kind}\x00{key_id}\x00{value}".encode()).hexdigest()


# --- contributing -----------------------------------------------------------------------------------------------


def _values(content: Content) -> list[tuple[str, str, str]]:
    """(kind, key id, value) of each signal the content makes: contacts HMAC'd with the current key."""
    out = [(kind, "", value) for kind, value in content.hashes]
    if content.contacts:
        key_id, key = keys.current()
        out += [(Kind.CONTACT, key_id, keys.digest(kind, value, key)) for kind, value in sorted(content.contacts)]
    return out


@transaction.atomic
def contribute(organisation: Organisation, content: Content, *, category: str, platform: Platform | None = None,
               source: str, item_id: str = "", expires_at: datetime | None = None, api_key: ApiKey | None = None,
               actor: Any = None) -> list[Signal]:
    """Add the content's signals to the bank (or this member's contribution to existing ones); returns them."""
    require_sharing(organisation)
    if expires_at is not None and expires_at <= timezone.now():
        raise SignalError("invalid_expiry", "expires_at is in the past")
    _lock_log()
    signals: list[Signal] = []
    for kind, key_id, value in _values(content):
        signal, created = Signal.objects.select_for_update().get_or_create(
            fingerprint=_fingerprint(kind, key_id, value),
            defaults={"kind": kind, "key_id": key_id, "value": value, "category": category,
                      "contributor": organisation, "expires_at": expires_at})
        if created:
            log(signal, Op.ADD)
        elif signal.status in (Status.RETRACTED, Status.EXPIRED):  # removed again: active again
            signal.status, signal.retracted_at, signal.expires_at = Status.ACTIVE, None, expires_at
            signal.save(update_fields=["status", "retracted_at", "expires_at"])
            log(signal, Op.ADD)
        Contribution.objects.get_or_create(signal=signal, organisation=organisation, defaults={
            "platform": platform, "source": source, "item_id": item_id[:200]})
        signals.append(signal)
    if signals:
        audit("signals.contribute", actor=actor, organisation=organisation, api_key=api_key, target=item_id[:200],
              source=source, category=category, signals=len(signals),
              kinds=sorted({s.kind for s in signals}))
    return signals


def _own(organisation: Organisation, signal_id: int) -> Signal:
    """A signal this member contributed to, locked; 404 otherwise (whether or not it exists)."""
    signal = Signal.objects.select_for_update().filter(pk=signal_id, contributions__organisation=organisation).first()
    if signal is None:
        raise SignalError("not_found", f"no signal {signal_id} among your contributions", 404)
    return signal


@transaction.atomic
def retract(organisation: Organisation, signal_id: int, *, api_key: ApiKey | None = None, actor: Any = None
            ) -> Signal:
    """Withdraw this member's contribution; the signal stops matching once no contribution is left."""
    _lock_log()
    signal = _own(organisation, signal_id)
    Contribution.objects.filter(signal=signal, organisation=organisation).delete()
    if not Contribution.objects.filter(signal=signal).exists() and signal.status != Status.RETRACTED:
        was_live = signal.status == Status.ACTIVE
        signal.status, signal.retracted_at = Status.RETRACTED, timezone.now()
        signal.save(update_fields=["status", "retracted_at"])
        if was_live:
            log(signal, Op.REMOVE)
    audit("signals.retract", actor=actor, organisation=organisation, api_key=api_key, target=str(signal.pk),
          status=signal.status)
    return signal


# --- opinions and disputes --------------------------------------------------------------------------------------


@transaction.atomic
def give_opinion(organisation: Organisation, signal_id: int, opinion: str, comment: str = "", *,
                 api_key: ApiKey | None = None, actor: Any = None) -> Signal:
    """A member that matched a signal confirms or disputes it; enough disputes send it to an analyst (it stops
    matching meanwhile)."""
    require_sharing(organisation)
    if opinion not in Opinion.values:
        raise SignalError("invalid_opinion", "opinion must be 'confirm' or 'dispute'")
    _lock_log()
    signal = Signal.objects.select_for_update().filter(pk=signal_id, matches__organisation=organisation).first()
    if signal is None:
        raise SignalError("not_found", f"your checks never matched a signal {signal_id}", 404)
    SignalOpinion.objects.update_or_create(signal=signal, organisation=organisation,
                                           defaults={"opinion": opinion, "comment": comment[:2000]})
    disputes = SignalOpinion.objects.filter(signal=signal, opinion=Opinion.DISPUTE).count()
    if signal.status == Status.ACTIVE and disputes >= DISPUTES_FOR_REVIEW:
        signal.status = Status.DISPUTED
        signal.save(update_fields=["status"])
        log(signal, Op.REMOVE)
    audit("signals.opinion", actor=actor, organisation=organisation, api_key=api_key, target=str(signal.pk),
          opinion=opinion, disputes=disputes, status=signal.status)
    return signal


def disputed() -> Any:
    """The signals waiting for an analyst, with their opinions counted."""
    return Signal.objects.filter(status=Status.DISPUTED).annotate(
        members=Count("contributions", distinct=True)).order_by("created_at")


@transaction.atomic
def resolve(signal_id: int, reinstate: bool, *, actor: Any, note: str = "") -> Signal:
    """An analyst's decision on a disputed signal: reinstated (it matches again) or retracted for good."""
    _lock_log()
    signal = Signal.objects.select_for_update().filter(pk=signal_id, status=Status.DISPUTED).first()
    if signal is None:
        raise SignalError("not_found", f"no disputed signal {signal_id}", 404)
    if reinstate:
        signal.status = Status.ACTIVE
        SignalOpinion.objects.filter(signal=signal, opinion=Opinion.DISPUTE).delete()
        log(signal, Op.ADD)
    else:
        signal.status, signal.retracted_at = Status.RETRACTED, timezone.now()
    signal.save(update_fields=["status", "retracted_at"])
    audit("signals.resolve", actor=actor, target=str(signal.pk), reinstated=reinstate, note=note[:500])
    return signal


def expire() -> int:
    """Signals past their expiry stop matching (a schedule runs it); returns how many."""
    done = 0
    for pk in Signal.objects.filter(status=Status.ACTIVE, expires_at__lte=timezone.now()).values_list("pk", flat=True):
        with transaction.atomic():
            _lock_log()
            signal = Signal.objects.select_for_update().get(pk=pk)
            if signal.status == Status.ACTIVE:
                signal.status = Status.EXPIRED
                signal.save(update_fields=["status"])
                log(signal, Op.REMOVE)
                done += 1
    return done


# --- matches ----------------------------------------------------------------------------------------------------


def members_behind(signal_ids: Iterable[int]) -> int:
    """How many member companies removed the content behind these signals (never which)."""
    return Contribution.objects.filter(signal_id__in=list(signal_ids)).values("organisation").distinct().count()


def record_matches(organisation: Organisation, signal_ids: Sequence[int]) -> None:
    """Remember that the member's checks matched these signals (it may then give an opinion)."""
    for signal_id in set(signal_ids):
        updated = Match.objects.filter(signal_id=signal_id, organisation=organisation).update(count=F("count") + 1)
        if not updated:
            Match.objects.get_or_create(signal_id=signal_id, organisation=organisation, defaults={"count": 1})


# --- pulls ------------------------------------------------------------------------------------------------------


def pull(organisation: Organisation, since: int, *, limit: int = PULL_LIMIT, api_key: ApiKey | None = None
         ) -> dict[str, Any]:
    """The log after ``since``: image and text signals added or removed, in ``seq`` order (contacts are skipped:
    they never leave the hub). ``next`` is the cursor for the following pull; audited."""
    require_sharing(organisation)
    if since < 0:
        raise SignalError("invalid_cursor", "since must be 0 or more")
    limit = max(1, min(limit, PULL_LIMIT))
    entries = list(LogEntry.objects.filter(seq__gt=since).order_by("seq").select_related("signal")[:limit + 1])
    more = len(entries) > limit
    entries = entries[:limit]
    shared = [e for e in entries if e.signal.kind in SHAREABLE]
    counts = dict(Contribution.objects.filter(signal_id__in={e.signal_id for e in shared}).values(
        "signal_id").annotate(n=Count("organisation", distinct=True)).values_list("signal_id", "n"))
    items = [{"seq": e.seq, "op": e.op, "id": e.signal_id, "kind": e.signal.kind, "value": e.signal.value,
              "category": e.signal.category, "members": counts.get(e.signal_id, 0),
              "expires_at": e.signal.expires_at.isoformat() if e.signal.expires_at else None} for e in shared]
    cursor = entries[-1].seq if entries else since
    audit("signals.pull", organisation=organisation, api_key=api_key, target=str(since), since=since, next=cursor,
          signals=len(items))
    return {"signals": items, "next": cursor, "more": more}
