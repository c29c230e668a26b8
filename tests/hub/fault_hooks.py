"""Fault injection, for the fault tests only: ``fault_settings`` adds this app to a hub or a task worker that a test
starts as a subprocess.

* ``WILDWATCH_FAULT_HANG_AFTER_SAVE=app_label.Model``: the first save of that model (inside its transaction, before
  the commit) writes ``$WILDWATCH_FAULT_DIR/hung`` with the process id and hangs, so that the test can kill the
  process at exactly that point. Later saves (the retries) go through.
* ``$WILDWATCH_FAULT_DIR/drop-at`` (written by the test while the hub runs) holds a regular expression: the first
  query that matches it, in any process, finds its PostgreSQL connection terminated just before it runs (by
  ``pg_terminate_backend`` from a second connection, as an administrator or a failover would). The file is then
  renamed ``dropped``."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Any

from django.apps import AppConfig, apps
from django.db.backends.signals import connection_created
from django.db.models.signals import post_save


def _hang(sender: Any, **kwargs: Any) -> None:
    marker = Path(os.environ["WILDWATCH_FAULT_DIR"]) / "hung"
    try:
        fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return
    os.write(fd, str(os.getpid()).encode())
    os.close(fd)
    time.sleep(3600)


def _drop_wrapper(execute: Any, sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
    control = Path(os.environ["WILDWATCH_FAULT_DIR"]) / "drop-at"
    if control.exists():
        try:
            pattern = control.read_text()
        except FileNotFoundError:
            pattern = ""
        if pattern and re.search(pattern, sql):
            try:
                control.rename(control.with_name("dropped"))  # once, whichever process gets here first
            except FileNotFoundError:
                return execute(sql, params, many, context)
            import psycopg

            pid = context["connection"].connection.info.backend_pid
            with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])
    return execute(sql, params, many, context)


def _watch(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "postgresql" and _drop_wrapper not in connection.execute_wrappers:
        connection.execute_wrappers.append(_drop_wrapper)


class FaultHooksConfig(AppConfig):
    name = "fault_hooks"
    label = "fault_hooks"

    def ready(self) -> None:
        connection_created.connect(_watch, weak=False)
        target = os.environ.get("WILDWATCH_FAULT_HANG_AFTER_SAVE")
        if target:
            post_save.connect(_hang, sender=apps.get_model(target), weak=False)
