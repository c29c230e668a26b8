"""Calling the API in tests (Django's test client, real database) and reading its error bodies."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client


def post(path: str, body: Any, key: str | None, **extra: Any) -> Any:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    if key is not None:
        extra["HTTP_X_API_KEY"] = key
    return Client().post(path, data=data, content_type="application/json", **extra)


def get(path: str, key: str | None, **extra: Any) -> Any:
    if key is not None:
        extra["HTTP_X_API_KEY"] = key
    return Client().get(path, **extra)


def error_of(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.content[:500])
    error = response.json()["error"]
    assert set(error) == {"code", "message", "details"} and isinstance(error["message"], str)
    if code:
        assert error["code"] == code, error
    return dict(error)
