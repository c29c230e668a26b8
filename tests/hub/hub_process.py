"""The hub and its task worker as real processes (gunicorn, ``qcluster``) on the test's database, for the fault
tests: start, wait until ready, kill (SIGKILL: a crash, not a clean stop), and plain HTTP calls to them. Imported as
``from hub_process import ...`` (tests/ has no packages)."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent


def database_url() -> str:
    """The URL of the database the test runs on (pytest-django's test database), for a subprocess."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def environment(var: Path, fault_dir: Path, hang_after_save: str = "", **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env.update({
        "DATABASE_URL": database_url(), "DJANGO_SETTINGS_MODULE": "fault_settings", "WILDWATCH_VAR": str(var),
        "PYTHONPATH": os.pathsep.join([str(HERE), str(ROOT / "src")]), "WILDWATCH_FAULT_DIR": str(fault_dir),
        "WILDWATCH_FAULT_HANG_AFTER_SAVE": hang_after_save, "WILDWATCH_LOG_LEVEL": "ERROR",
        "WILDWATCH_ACCESS_LOG": "0", "WILDWATCH_DEBUG": "0",  # as in production: handler500, no debug pages
        "WILDWATCH_SECRET_KEY": secrets.token_urlsafe(50), **extra})
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


class Process:
    """A subprocess in its own session, so that a kill reaches all its children (gunicorn's or qcluster's workers)."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        self._out = log.open("ab")
        self.proc = subprocess.Popen(args, env=env, cwd=ROOT, stdout=self._out, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def kill(self) -> None:
        """SIGKILL to the whole process group: what a crash or an OOM kill does (no clean-up runs)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        self._out.close()

    def stop(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=20)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            self.kill()
            return
        self._out.close()

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


class Hub(Process):
    """gunicorn serving the hub (two sync workers) on a free port of 127.0.0.1."""

    def __init__(self, env: dict[str, str], log: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        super().__init__([sys.executable, "-m", "gunicorn", "wildwatch.hub.wsgi:application", "--bind",
                          f"127.0.0.1:{self.port}", "--workers", "2", "--timeout", "120"], env, log)
        wait_for(self._ready, 60, f"gunicorn on port {self.port}:\n{self.output()}")

    def _ready(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"gunicorn exited:\n{self.output()}")
        try:
            with urllib.request.urlopen(self.base + "/healthz", timeout=2) as response:
                return bool(response.status == 200)
        except OSError:
            return False


def call(method: str, url: str, body: Any = None, headers: dict[str, str] | None = None,
         timeout: float = 30) -> tuple[int, bytes, dict[str, str]]:
    """One HTTP request: (status, body, headers); an HTTP error status is an answer too. A connection refused or
    cut (no answer) raises ``OSError``."""
    data = json.dumps(body).encode() if body is not None and not isinstance(body, bytes) else body
    request = urllib.request.Request(url, data=data, method=method, headers={
        **({"Content-Type": "application/json"} if data is not None and not isinstance(body, bytes) else {}),
        **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status), response.read(), dict(response.headers)
    except urllib.error.HTTPError as exc:
        return int(exc.code), exc.read(), dict(exc.headers)
