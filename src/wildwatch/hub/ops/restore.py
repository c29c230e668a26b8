"""Restoring a backup archive (``ops/backup.py``) into an empty database, SQLite or PostgreSQL.

In order: the manifest is read and every member checked against its SHA-256; an archive from a newer version (a
migration this code does not know) is refused; the database must be empty of hub data (or ``force``: it is then
flushed, in the loading transaction); files that would replace different ones are refused unless ``force``; the
database is migrated to the archive's migration state; the rows are loaded in one transaction (with the models as
they were at that state, ``save_base(raw=True)``: no ``save()`` override runs, so the append-only audit entries load
unchanged), their foreign keys checked and the PostgreSQL sequences reset; the remaining migrations of an older
archive then run; last, the files are written (keys with mode 0600).
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.apps import apps
from django.apps.registry import Apps
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.color import no_style
from django.core.serializers import base as serializers_base
from django.core.serializers import jsonl
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder

from .backup import NATURAL, BackupError, anchors_path, backed_up_models, key_destination, read_manifest, verify_members

#: Models that migrations fill (``training``'s and ``plans``' quizzes and modules, ``signals.LogCounter``): their
#: rows do not make a database "not empty"; they are replaced by the archive's.
SEEDED = frozenset({"plans.trainingmodule", "training.quiz", "training.question", "training.choice",
                    "signals.logcounter"})
CACHE_TABLE = "wildwatch_cache"

Node = tuple[str, str]


@dataclass
class RestoreResult:
    counts: dict[str, int] = field(default_factory=dict)
    files: dict[str, int] = field(default_factory=dict)
    migrated_after: int = 0
    warnings: list[str] = field(default_factory=list)


# --- checks -----------------------------------------------------------------------------------------------------


def archive_nodes(manifest: dict[str, Any]) -> set[Node]:
    return {(app, name) for app, names in manifest.get("migrations", {}).items() for name in names}


def check_migrations(manifest: dict[str, Any], using: str = DEFAULT_DB_ALIAS) -> tuple[set[Node], bool]:
    """The archive's applied migrations, and whether they are all of this code's; refuses a newer archive."""
    loader = MigrationExecutor(connections[using]).loader
    known = set(loader.disk_migrations) | {n for replaced in loader.replacements.values() for n in replaced.replaces}
    nodes = archive_nodes(manifest)
    if unknown := sorted(nodes - known):
        app, name = unknown[0]
        raise BackupError(f"the backup comes from a newer version of wildwatch ({manifest.get('wildwatch_version')}): "
                          f"this code does not know its migration {app}.{name} ({len(unknown)} unknown); upgrade "
                          "wildwatch before restoring it")
    if not nodes:
        raise BackupError("the archive's manifest lists no applied migration")
    return nodes, nodes >= set(loader.graph.nodes)


def nonempty_tables(using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """The models holding hub data in the database (rows made by migrations and content types do not count)."""
    connection = connections[using]
    tables = set(connection.introspection.table_names())
    found = []
    for model in apps.get_models():
        label = model._meta.label_lower
        if (label in NATURAL or label in SEEDED or not model._meta.managed or model._meta.proxy
                or model._meta.db_table not in tables):
            continue
        if model._base_manager.using(using).exists():
            found.append(label)
    return found


def _files_to_write(archive: zipfile.ZipFile, manifest: dict[str, Any]) -> dict[str, Path]:
    from django.conf import settings

    out = {}
    for name in manifest["members"]:
        if name.startswith("files/media/"):
            out[name] = Path(settings.MEDIA_ROOT) / name.removeprefix("files/media/")
        elif name.startswith("files/keys/"):
            out[name] = key_destination(name)
    return out


def _same_content(archive: zipfile.ZipFile, name: str, path: Path) -> bool:
    return path.read_bytes() == archive.read(name)


# --- loading ----------------------------------------------------------------------------------------------------


class Deserializer(jsonl.Deserializer):
    """JSON Lines rows built with the models as they were at the archive's migration state (content types and
    permissions with today's models, which resolve natural keys)."""

    def __init__(self, stream: Any, registry: Apps, **options: Any) -> None:
        self.registry = registry
        super().__init__(stream, **options)

    def _get_model_from_node(self, model_identifier: str) -> type[models.Model]:
        try:
            if model_identifier in NATURAL:
                return apps.get_model(model_identifier)
            return self.registry.get_model(model_identifier)
        except (LookupError, TypeError, ValueError) as exc:
            raise serializers_base.DeserializationError(f"unknown model {model_identifier!r}") from exc


def _flush(using: str) -> None:
    """Delete every row except content types and permissions (the archive's replace them, by natural key)."""
    connection = connections[using]
    keep = {apps.get_model(label)._meta.db_table for label in NATURAL}
    tables = [t for t in connection.introspection.django_table_names(only_existing=True, include_views=False)
              if t not in keep]
    if CACHE_TABLE in connection.introspection.table_names():
        tables.append(CACHE_TABLE)
    recorder_table = MigrationRecorder.Migration._meta.db_table
    tables = [t for t in tables if t != recorder_table]
    with connection.cursor() as cursor:
        for sql in connection.ops.sql_flush(no_style(), tables, allow_cascade=True):
            cursor.execute(sql)


def _load_member(archive: zipfile.ZipFile, name: str, registry: Apps, using: str) -> int:
    count = 0
    with archive.open(name) as stream:
        for obj in Deserializer(stream, registry, using=using):
            natural = obj.object._meta.label_lower in NATURAL
            obj.save(using=using, force_insert=not natural)
            count += 1
    return count


def _migrate_to(nodes: set[Node], using: str) -> Apps:
    """Migrate to the archive's state; returns the registry of the models at that state."""
    executor = MigrationExecutor(connections[using])
    graph = executor.loader.graph
    leaves = sorted(n for n in nodes if not any(c in nodes and c[0] == n[0] for c in graph.node_map[n].children))
    applied = set(executor.recorder.applied_migrations())
    if extra := sorted(applied - nodes):
        raise BackupError(f"the database is already migrated beyond the backup's state ({extra[0][0]}.{extra[0][1]}): "
                          "restore an older backup into a new, empty database")
    executor.migrate(list(leaves))
    return executor.loader.project_state(list(leaves), at_end=True).apps


def restore_backup(path: Path, *, force: bool = False, using: str = DEFAULT_DB_ALIAS,
                   log: Callable[[str], None] = lambda _: None) -> RestoreResult:
    if not path.is_file():
        raise BackupError(f"no backup archive at {path}")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise BackupError(f"{path} is not a readable backup archive: {exc}") from exc
    with archive:
        manifest = read_manifest(archive)
        verify_members(archive, manifest)
        log(f"archive verified: {len(manifest['members'])} members, made {manifest.get('created_at')} on "
            f"{manifest.get('database_vendor')} by wildwatch {manifest.get('wildwatch_version')}")
        nodes, current = check_migrations(manifest, using)
        if not force and (found := nonempty_tables(using)):
            raise BackupError(f"the database is not empty ({len(found)} model(s) hold rows, e.g. {found[0]}): "
                              "restore into a new database, or give --force to delete its content first")
        targets = _files_to_write(archive, manifest)
        clashes = [n for n, p in targets.items() if p.exists() and not _same_content(archive, n, p)]
        if clashes and not force:
            raise BackupError(f"{len(clashes)} file(s) would be replaced by different ones, e.g. "
                              f"{targets[clashes[0]]}: move them away or give --force")
        result = RestoreResult()
        registry = _migrate_to(nodes, using)
        members = sorted((n, m) for n, m in manifest["members"].items() if "model" in m)
        connection = connections[using]
        with transaction.atomic(using=using):
            _flush(using)
            with connection.constraint_checks_disabled():
                for name, meta in members:
                    count = _load_member(archive, name, registry, using)
                    if count != meta["rows"]:
                        raise BackupError(f"{name}: {count} rows loaded, the manifest says {meta['rows']}")
                    result.counts[meta["model"]] = count
            existing = set(connection.introspection.table_names())
            loaded = [m for m in backed_up_models() if m._meta.db_table in existing]
            connection.check_constraints(table_names=[m._meta.db_table for m in loaded])
            sequences = connection.ops.sequence_reset_sql(no_style(), loaded)
            if sequences:
                with connection.cursor() as cursor:
                    for sql in sequences:
                        cursor.execute(sql)
        ContentType.objects.clear_cache()
        if not current:
            before = len(MigrationRecorder(connection).applied_migrations())
            call_command("migrate", database=using, interactive=False, verbosity=0)
            result.migrated_after = len(MigrationRecorder(connection).applied_migrations()) - before
        else:  # post_migrate: content types and permissions of models the archive had none of
            call_command("migrate", database=using, interactive=False, verbosity=0)
        if CACHE_TABLE not in connection.introspection.table_names():
            call_command("createcachetable", database=using, verbosity=0)
        result.files = _restore_files(archive, manifest, targets, result.warnings)
    return result


# --- files ------------------------------------------------------------------------------------------------------


def _write(archive: zipfile.ZipFile, name: str, path: Path, mode: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.restoring")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    os.fchmod(fd, mode)
    out: IO[bytes]
    with os.fdopen(fd, "wb") as out, archive.open(name) as src:
        while block := src.read(1 << 20):
            out.write(block)
    os.replace(tmp, path)


def _restore_files(archive: zipfile.ZipFile, manifest: dict[str, Any], targets: dict[str, Path],
                   warnings: list[str]) -> dict[str, int]:
    files = {"media": 0, "keys": 0, "anchors": 0}
    for name, path in targets.items():
        kind = "keys" if name.startswith("files/keys/") else "media"
        if path.exists() and _same_content(archive, name, path):
            files[kind] += 1
            continue
        _write(archive, name, path, 0o600 if kind == "keys" else 0o640)
        files[kind] += 1
    if "files/audit-anchors.jsonl" in manifest["members"]:
        anchors = anchors_path()
        if not anchors.exists():
            _write(archive, "files/audit-anchors.jsonl", anchors, 0o640)
            files["anchors"] = 1
        elif _same_content(archive, "files/audit-anchors.jsonl", anchors):
            files["anchors"] = 1
        else:
            warnings.append(f"the anchors file {anchors} exists and differs from the archive's: kept as it is "
                            "(anchors are append-only evidence; compare them with your off-host copy)")
    return files
