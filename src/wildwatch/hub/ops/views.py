"""Health endpoints for a load balancer or an orchestrator: public, GET/HEAD only, never cached, no CSRF.

``/healthz`` (liveness) answers 200 as long as the process serves requests: it touches neither the database nor the
session. ``/readyz`` (readiness) answers 200 only when the database is reachable, every migration is applied and a
keyword-library release is published; otherwise 503 with the failing checks. Neither ever shows a secret or a stack
trace: a database error is reduced to its class name.
"""

from __future__ import annotations

from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from wildwatch.hub.accounts.permissions import public
from wildwatch.hub.library.models import Release

OK = "ok"


@public
@csrf_exempt
@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _error(exc: Exception) -> str:
    return f"error: {type(exc).__name__}"


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return _error(exc)
    return OK


def check_migrations() -> str:
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        return _error(exc)
    return f"{len(plan)} unapplied" if plan else OK


def check_release() -> str:
    try:
        published = Release.objects.exists()
    except DatabaseError as exc:
        return _error(exc)
    return OK if published else "none published"


@public
@csrf_exempt
@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    checks = {"database": check_database()}
    if checks["database"] == OK:
        checks |= {"migrations": check_migrations(), "release": check_release()}
    else:
        checks |= {"migrations": "skipped", "release": "skipped"}
    ready = all(value == OK for value in checks.values())
    return JsonResponse({"status": "ready" if ready else "not ready", "checks": checks}, status=200 if ready else 503)
