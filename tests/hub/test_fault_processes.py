"""Fault tests with real processes on the test's database (SQLite file or PostgreSQL): a task worker killed in the
middle of a release build, a hub worker killed in the middle of a report submission, and the whole hub killed while
decisions and signals are being posted. Kills are SIGKILL (a crash: nothing gets to clean up)."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import sys
import threading
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django_q.models import OrmQ, Task
from hub_process import Hub, Process, call, environment, wait_for

from wildwatch.hub.accounts import services as accounts
from wildwatch.hub.accounts.models import AuditEntry
from wildwatch.hub.library.models import Release, Term
from wildwatch.hub.library.services import import_starter
from wildwatch.hub.library.tasks import enqueue_release
from wildwatch.hub.reports.models import Case, Report
from wildwatch.hub.signals import services as signals
from wildwatch.hub.signals.models import Contribution

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("faults")]


def _dirs(tmp_path: Path) -> tuple[Path, Path]:
    var, faults = tmp_path / "var", tmp_path / "faults"
    var.mkdir()
    faults.mkdir()
    return var, faults


def test_a_worker_killed_mid_release_build_publishes_nothing_and_the_build_is_retried(tmp_path: Path) -> None:
    var, faults = _dirs(tmp_path)
    import_starter()
    task_id = enqueue_release(None, "built after a crash")
    # both workers: a task whose worker died is taken again 16 s after it was taken (WILDWATCH_Q_RETRY)
    # the queue's packages are signed with the secret key: the worker shares the test's (a development key)
    env = environment(var, faults, "library.Release", WILDWATCH_Q_TIMEOUT="15", WILDWATCH_Q_RETRY="16",
                      WILDWATCH_Q_WORKERS="1", WILDWATCH_DEBUG="1", WILDWATCH_SECRET_KEY=settings.SECRET_KEY)
    first = Process([sys.executable, "-m", "django", "qcluster"], env, tmp_path / "worker-1.log")
    try:
        wait_for((faults / "hung").exists, 60, f"the build to reach its release row\n{first.output()}")
    finally:
        first.kill()  # the release row is saved, its transaction not committed
    assert not Release.objects.exists()
    assert not AuditEntry.objects.filter(action="release.publish").exists()
    assert OrmQ.objects.count() == 1 and not Task.objects.exists()  # still queued, not acknowledged

    second = Process([sys.executable, "-m", "django", "qcluster"], env, tmp_path / "worker-2.log")
    try:
        task = wait_for(lambda: Task.objects.filter(id=task_id).first(), 90,
                        f"the retried build\n{second.output()}")
    finally:
        second.stop()
    assert task.success, task.result
    release = Release.objects.get()
    assert (release.number, release.changelog, task.result) == (1, "built after a crash", 1)
    assert AuditEntry.objects.filter(action="release.publish").count() == 1
    assert not OrmQ.objects.exists()


def _form(opener: Any, base: str) -> dict[str, str]:
    with opener.open(base + "/reports/new/", timeout=30) as response:
        html = response.read().decode()
    fields = dict(re.findall(r'<input type="hidden" name="(csrfmiddlewaretoken|token)" value="([^"]+)"', html))
    assert set(fields) == {"csrfmiddlewaretoken", "token"}, html[:500]
    return {**fields, "url": "https://www.crash-shop.example/item/7", "platform": "", "species": "Pangolin",
            "product": "", "details": "scales, 3 kg", "email": "reporter@example.org", "fax_number": ""}


def test_a_report_submission_interrupted_before_its_commit_leaves_no_partial_case(tmp_path: Path) -> None:
    var, faults = _dirs(tmp_path)
    org = accounts.create_organisation("crash-market", "Crash Market", "member")
    accounts.add_platform(org, "crash-shop", "Crash Shop", "ecommerce", ["FR"], domains=["crash-shop.example"])
    hub = Hub(environment(var, faults, "reports.Report"), tmp_path / "hub.log")
    try:
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        data = urllib.parse.urlencode(_form(opener, hub.base)).encode()
        outcome: dict[str, Any] = {}

        def submit() -> None:
            try:
                opener.open(hub.base + "/reports/new/", data=data, timeout=60).read()
                outcome["answer"] = True
            except OSError as exc:  # the connection is cut: no answer
                outcome["error"] = exc

        sender = threading.Thread(target=submit)
        sender.start()
        pid = int(wait_for(lambda: (faults / "hung").exists() and (faults / "hung").read_text(), 30,
                           f"the submission to reach its report row\n{hub.output()}"))
        os.kill(pid, signal.SIGKILL)  # that gunicorn worker dies; the master starts another
        sender.join(60)
        assert "error" in outcome and "answer" not in outcome
        assert not Case.objects.exists() and not Report.objects.exists()
        assert not AuditEntry.objects.filter(action="report.create").exists()

        # the reporter reloads the form and sends it again: one case, one report
        with opener.open(hub.base + "/reports/new/", data=urllib.parse.urlencode(_form(opener, hub.base)).encode(),
                         timeout=60) as response:
            assert response.status == 200 and re.search(r"/reports/WW-[0-9A-Z]+/$", response.url)
        assert Case.objects.count() == 1 and Report.objects.count() == 1
        assert Case.objects.get().platform is not None
    finally:
        hub.kill()


def test_a_hub_killed_while_decisions_and_signals_are_posted_loses_nothing_acknowledged(tmp_path: Path) -> None:
    var, faults = _dirs(tmp_path)
    org = accounts.create_organisation("rs-market", "Restart Market", "member")
    accounts.add_platform(org, "rs-shop", "Restart Shop", "ecommerce", ["VN"])
    signals.set_sharing(org, True)
    key = accounts.create_api_key("rs-market", role="engineer")[1]
    term = Term.objects.create(term_id="t-restart", term="restart tusk", lang="en", kind="cover")
    env = environment(var, faults)
    total = 120

    def request(i: int) -> tuple[str, dict[str, Any]]:
        if i % 2:
            return "/api/v1/signals", {"category": "prohibited", "contacts": [f"+84 91{i:07d}"], "item_id": f"s{i}"}
        return "/api/v1/decisions", {"id": f"d{i}", "verdict_taken": "removed_listing", "policy": "prohibited",
                                     "terms_confirmed": [term.term_id]}

    def send(base: str, i: int) -> tuple[int, bytes]:
        path, body = request(i)
        status, content, _ = call("POST", base + path, body, {"X-Api-Key": key, "Idempotency-Key": f"rs-{i}"})
        return status, content

    hub = Hub(env, tmp_path / "hub-1.log")
    acknowledged: dict[int, bytes] = {}
    lock = threading.Lock()

    def first_try(i: int) -> None:
        try:
            status, content = send(hub.base, i)
        except OSError:
            return  # no answer: not acknowledged
        assert status in (200, 503), (status, content)
        if status == 200:
            with lock:
                acknowledged[i] = content

    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(first_try, i) for i in range(total)]
        wait_for(lambda: len(acknowledged) >= 30, 60, "30 acknowledged posts")
        hub.kill()  # mid-stream: some requests in flight, the rest refused
        for future in futures:
            future.result()
    assert 30 <= len(acknowledged) < total

    hub = Hub(env, tmp_path / "hub-2.log", port=hub.port)  # the restarted hub
    try:
        for i in range(total):  # every client retries what it sent, with the same Idempotency-Key
            status, content = send(hub.base, i)
            assert status == 200, content
            if i in acknowledged:
                assert json.loads(content) == json.loads(acknowledged[i]), i  # the first answer, as it was
    finally:
        hub.kill()
    decisions = AuditEntry.objects.filter(action="decision.record")
    assert decisions.count() == total // 2 and decisions.values("target").distinct().count() == total // 2
    term.refresh_from_db()
    assert term.confirmed == total // 2  # each decision counted once
    assert Contribution.objects.count() == total // 2
