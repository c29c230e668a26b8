"""The health endpoints: /healthz (liveness, no database) and /readyz (database, migrations, a published release)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import OperationalError, connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client
from login_helpers import login

from wildwatch.detect.library import load_starter
from wildwatch.hub.library import services as library
from wildwatch.hub.ops import views

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _signing_key(settings: Any, tmp_path: Path) -> None:
    settings.SIGNING_KEY_PATH = tmp_path / "signing-key.pem"


def _publish() -> None:
    library.import_library(load_starter())
    library.publish_release(changelog="Starter library")


def test_healthz_answers_without_the_database(django_assert_num_queries: Any) -> None:
    client = Client()
    with django_assert_num_queries(0):
        response = client.get("/healthz")
        head = client.head("/healthz")
    assert response.status_code == 200 and head.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]
    assert "sessionid" not in response.cookies


def test_readyz_waits_for_a_published_release() -> None:
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "not ready",
                               "checks": {"database": "ok", "migrations": "ok", "release": "none published"}}
    assert "no-store" in response["Cache-Control"]
    _publish()
    response = Client().get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json() == {"status": "ready",
                               "checks": {"database": "ok", "migrations": "ok", "release": "ok"}}
    assert Client().head("/readyz").status_code == 200


def test_readyz_counts_unapplied_migrations() -> None:
    """A migration the database has not recorded (a deployment ahead of ``migrate``): the test's transaction
    forgets it and brings it back when it is rolled back."""
    _publish()
    app, name = sorted(MigrationExecutor(connection).loader.graph.leaf_nodes())[0]
    MigrationRecorder(connection).record_unapplied(app, name)
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "migrations": "1 unapplied", "release": "ok"}


def test_readyz_reduces_a_database_error_to_its_class(monkeypatch: pytest.MonkeyPatch) -> None:
    class Unreachable:
        def cursor(self) -> Any:
            raise OperationalError("could not connect to server at 10.0.0.5 as postgres password=hunter2")

    monkeypatch.setattr(views, "connection", Unreachable())
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "not ready", "checks": {
        "database": "error: OperationalError", "migrations": "skipped", "release": "skipped"}}
    assert b"hunter2" not in response.content and b"10.0.0.5" not in response.content


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
def test_only_get_and_head(path: str, method: str) -> None:
    client = Client(enforce_csrf_checks=True)
    response = getattr(client, method)(path)
    assert response.status_code == 405, (method, path, response.status_code)
    assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD"}


def test_no_login_needed(role_users: dict[str, Any], password: str) -> None:
    for role in role_users:
        client = Client()
        assert login(client, f"user-{role}", password)
        assert client.get("/healthz").status_code == 200
        assert client.get("/readyz").status_code == 503  # no release yet: not ready, but never refused
