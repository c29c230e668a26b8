"""Backups of the hub: one portable zip archive, restorable on SQLite or PostgreSQL (``ops/restore.py``).

The archive holds:

* ``data/NNN-app.model.jsonl``: every row of every model except the transient ones (:data:`EXCLUDED`), as Django's
  JSON Lines serialization, one member per model in dependency order, streamed (never the whole database in
  memory). Primary keys are kept (the audit chain's payloads name ids); content types and permissions are written
  with natural keys (``["app_label", "model"]``), and so are references to them, since their ids differ from one
  database to another.
* ``files/media/…``: the uploads under ``MEDIA_ROOT`` (report screenshots), unless ``--no-media``;
  ``files/audit-anchors.jsonl``: the audit chain's anchors file, when there is one.
* ``files/keys/…``: the signing key, the hold key and the contact-signal keys, with ``--with-keys`` only.
* ``manifest.json`` (written last): format version, wildwatch and Django versions, database vendor, creation time,
  the applied migrations per app, the row count of each model and the SHA-256 and size of every other member.

The archive is written to a temporary file (mode 0600, whatever the umask) and renamed when complete.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import django
from django.apps import apps
from django.conf import settings
from django.core.serializers import jsonl, sort_dependencies
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT = "wildwatch-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
CHUNK = 2000

#: Rows not worth keeping (sessions, the task queue and its results, failed-login counters). The database cache
#: (``wildwatch_cache``) is a table without a model: never backed up either. ``django_q.Schedule`` is kept.
EXCLUDED = frozenset({"sessions.session", "django_q.ormq", "django_q.task", "django_q.success", "django_q.failure",
                      "axes.accessattempt", "axes.accesslog", "axes.accessfailurelog"})
#: Models written with natural keys (and referenced by them): their ids are not portable.
NATURAL = frozenset({"contenttypes.contenttype", "auth.permission"})


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why."""


# --- what is backed up ------------------------------------------------------------------------------------------


def backed_up_models() -> list[type[models.Model]]:
    """Concrete, managed, non-proxy models not in :data:`EXCLUDED`, in dependency order."""
    ordered = sort_dependencies([(config, None) for config in apps.get_app_configs()], allow_cycles=True)
    return [m for m in ordered if m._meta.managed and not m._meta.proxy and m._meta.label_lower not in EXCLUDED]


def key_files() -> dict[str, Path]:
    """Archive name -> path of the hub's secrets that exist (signing key, hold key, contact-signal keys)."""
    from wildwatch.hub.enforcement.identifiers import _key_path
    from wildwatch.hub.signals.keys import _folder, _ids

    found = {"files/keys/signing-key.pem": Path(settings.SIGNING_KEY_PATH), "files/keys/hold-key": _key_path()}
    out = {name: path for name, path in found.items() if path.is_file()}
    for key_id in _ids():
        out[f"files/keys/signal-keys/{key_id}"] = _folder() / key_id
    return out


def key_destination(name: str) -> Path:
    """Where a ``files/keys/…`` member is restored (this hub's settings)."""
    from wildwatch.hub.enforcement.identifiers import _key_path
    from wildwatch.hub.signals.keys import _ID, _folder

    if name == "files/keys/signing-key.pem":
        return Path(settings.SIGNING_KEY_PATH)
    if name == "files/keys/hold-key":
        return _key_path()
    key_id = name.removeprefix("files/keys/signal-keys/")
    if name.startswith("files/keys/signal-keys/") and _ID.fullmatch(key_id):
        return _folder() / key_id
    raise BackupError(f"unknown key member {name}")


def anchors_path() -> Path:
    from wildwatch.hub.accounts.auditchain import anchors_path as path

    return path()


def media_files() -> Iterator[tuple[str, Path]]:
    root = Path(settings.MEDIA_ROOT)
    if root.is_dir():
        for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()):
            yield "files/media/" + path.relative_to(root).as_posix(), path


def applied_migrations(using: str = DEFAULT_DB_ALIAS) -> dict[str, list[str]]:
    """App label -> names of its applied migrations, sorted."""
    out: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connections[using]).applied_migrations()):
        out.setdefault(app, []).append(name)
    return out


# --- serialization ----------------------------------------------------------------------------------------------


class Encoder(DjangoJSONEncoder):
    """Django's encoder keeps only milliseconds of times: the audit chain's payloads need every microsecond."""

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


class Serializer(jsonl.Serializer):
    """JSON Lines, natural keys for :data:`NATURAL` only (every other row keeps its id), times to the microsecond."""

    def serialize(self, queryset: Iterable[models.Model], **options: Any) -> Any:
        options.setdefault("cls", Encoder)
        return super().serialize(queryset, **options)

    def start_object(self, obj: models.Model) -> None:
        self.use_natural_primary_keys = obj._meta.label_lower in NATURAL
        super().start_object(obj)

    def handle_fk_field(self, obj: models.Model, field: Any) -> None:
        self.use_natural_foreign_keys = field.remote_field.model._meta.label_lower in NATURAL
        super().handle_fk_field(obj, field)

    def handle_m2m_field(self, obj: models.Model, field: Any) -> None:
        self.use_natural_foreign_keys = field.remote_field.model._meta.label_lower in NATURAL
        super().handle_m2m_field(obj, field)


def rows(model: type[models.Model], using: str = DEFAULT_DB_ALIAS) -> Iterator[models.Model]:
    """Every row of a model, by primary key, in chunks (many-to-many fields prefetched)."""
    m2m = [f.name for f in model._meta.many_to_many
           if f.remote_field.through is not None and f.remote_field.through._meta.auto_created]
    qs = model._base_manager.using(using).order_by("pk")
    if m2m:
        qs = qs.prefetch_related(*m2m)
    return qs.iterator(chunk_size=CHUNK)


class _Sink:
    """A text stream that writes UTF-8 to a binary one, counting and hashing what passes."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out, self.sha, self.size = out, hashlib.sha256(), 0

    def write(self, text: str) -> int:
        data = text.encode("utf-8")
        self.sha.update(data)
        self.size += len(data)
        self.out.write(data)
        return len(text)


def serialize_model(model: type[models.Model], out: IO[bytes], using: str = DEFAULT_DB_ALIAS) -> tuple[int, str, int]:
    """Write a model's rows as JSON Lines; returns (rows, SHA-256, size)."""
    sink = _Sink(out)
    counter = _Counter(rows(model, using))
    Serializer().serialize(counter, stream=sink)  # write(str) is all it needs
    return counter.count, sink.sha.hexdigest(), sink.size


class _Counter:
    def __init__(self, items: Iterable[models.Model]) -> None:
        self.items, self.count = items, 0

    def __iter__(self) -> Iterator[models.Model]:
        for item in self.items:
            self.count += 1
            yield item


# --- writing an archive -----------------------------------------------------------------------------------------


@dataclass
class BackupResult:
    path: Path
    sha256: str
    counts: dict[str, int] = field(default_factory=dict)
    files: dict[str, int] = field(default_factory=dict)


def _check_migrated(using: str) -> None:
    executor = MigrationExecutor(connections[using])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        raise BackupError(f"the database has {len(plan)} unapplied migration(s) (first: {plan[0][0]}): run "
                          "`wildwatch hub migrate` first")


def _copy_file(archive: zipfile.ZipFile, name: str, path: Path, members: dict[str, dict[str, Any]]) -> None:
    sha, size = hashlib.sha256(), 0
    with path.open("rb") as src, archive.open(name, "w", force_zip64=True) as dst:
        while block := src.read(1 << 20):
            sha.update(block)
            size += len(block)
            dst.write(block)
    members[name] = {"sha256": sha.hexdigest(), "size": size}


def _open_private(path: Path) -> IO[bytes]:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.fchmod(fd, 0o600)  # whatever the umask
    return os.fdopen(fd, "wb")


def create_backup(path: Path, *, with_keys: bool = False, media: bool = True,
                  using: str = DEFAULT_DB_ALIAS) -> BackupResult:
    """Write a backup archive at ``path`` (which must not exist)."""
    if path.exists():
        raise BackupError(f"{path} already exists: choose another name")
    if not path.parent.is_dir():
        raise BackupError(f"the folder {path.parent} does not exist")
    _check_migrated(using)
    connection = connections[using]
    tmp = path.with_name(f".{path.name}.partial")
    tmp.unlink(missing_ok=True)
    members: dict[str, dict[str, Any]] = {}
    counts: dict[str, int] = {}
    files: dict[str, int] = {"media": 0, "keys": 0, "anchors": 0}
    try:
        with _open_private(tmp) as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
            # one consistent snapshot of every table: a repeatable-read transaction on PostgreSQL; on SQLite a read
            # transaction sees one state of the file
            outer = connection.in_atomic_block  # tests: the isolation level can no longer be set
            with transaction.atomic(using=using):
                if connection.vendor == "postgresql" and not outer:
                    with connection.cursor() as cursor:
                        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                migrations = applied_migrations(using)
                for n, model in enumerate(backed_up_models(), 1):
                    label = model._meta.label_lower
                    name = f"data/{n:03d}-{label}.jsonl"
                    with archive.open(name, "w", force_zip64=True) as out:
                        count, sha, size = serialize_model(model, out, using)
                    members[name] = {"sha256": sha, "size": size, "model": label, "rows": count}
                    counts[label] = count
            if media:
                for name, file in media_files():
                    _copy_file(archive, name, file, members)
                    files["media"] += 1
            anchors = anchors_path()
            if anchors.is_file():
                _copy_file(archive, "files/audit-anchors.jsonl", anchors, members)
                files["anchors"] = 1
            if with_keys:
                for name, file in key_files().items():
                    _copy_file(archive, name, file, members)
                    files["keys"] += 1
            manifest = {
                "format": FORMAT, "format_version": FORMAT_VERSION, "wildwatch_version": _wildwatch_version(),
                "django_version": django.get_version(), "database_vendor": connection.vendor,
                "created_at": timezone.now().isoformat(), "with_keys": with_keys, "media": media,
                "migrations": migrations, "counts": counts, "files": files, "members": members,
            }
            archive.writestr(MANIFEST, json.dumps(manifest, indent=1, sort_keys=True))
        digest = sha256_of(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return BackupResult(path, digest, counts, files)


def _wildwatch_version() -> str:
    from wildwatch import __version__

    return __version__


def sha256_of(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            sha.update(block)
    return sha.hexdigest()


# --- reading an archive -----------------------------------------------------------------------------------------


def read_manifest(archive: zipfile.ZipFile) -> dict[str, Any]:
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except KeyError as exc:
        raise BackupError("not a wildwatch backup: the archive has no manifest.json") from exc
    except ValueError as exc:
        raise BackupError("the archive's manifest.json is not valid JSON") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("not a wildwatch backup: unknown manifest format")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(f"backup format version {manifest.get('format_version')} is not supported by this "
                          f"version of wildwatch (it reads version {FORMAT_VERSION})")
    return manifest


def verify_members(archive: zipfile.ZipFile, manifest: dict[str, Any]) -> None:
    """Every member's SHA-256 and size match the manifest, and no member is missing or extra."""
    listed: dict[str, dict[str, Any]] = manifest.get("members", {})
    present = {info.filename for info in archive.infolist() if not info.is_dir()} - {MANIFEST}
    if missing := sorted(set(listed) - present):
        raise BackupError(f"the archive is damaged: {len(missing)} member(s) missing, first {missing[0]}")
    if extra := sorted(present - set(listed)):
        raise BackupError(f"the archive was altered: member {extra[0]} is not in its manifest")
    for name, meta in listed.items():
        if name.startswith("/") or ".." in name.split("/"):
            raise BackupError(f"the archive has an unsafe member name {name!r}")
        sha, size = hashlib.sha256(), 0
        try:
            with archive.open(name) as src:
                while block := src.read(1 << 20):
                    sha.update(block)
                    size += len(block)
        except (zipfile.BadZipFile, OSError) as exc:
            raise BackupError(f"the archive is damaged: cannot read {name}: {exc}") from exc
        if sha.hexdigest() != meta.get("sha256") or size != meta.get("size"):
            raise BackupError(f"the archive was altered or damaged: {name} does not match its SHA-256 in the "
                              "manifest")
