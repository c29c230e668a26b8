"""Python SDK for wildwatch: the hub's HTTP API (:class:`Client`) and the embedded engine (:class:`LocalDetector`).

``Client`` needs only the standard library. ``LocalDetector`` needs the engine (``wildwatch.detect``), so it is
imported on first use: ``from wildwatch.client import Client`` stays light. Neither imports Django. See
``docs/sdk.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .http import (
    AuthenticationError,
    Client,
    ConnectionFailed,
    ForbiddenError,
    NotFoundError,
    PayloadTooLargeError,
    RateLimitedError,
    Release,
    ServerError,
    ValidationError,
    WildwatchError,
)

if TYPE_CHECKING:
    from .local import LocalDetector

__all__ = [
    "AuthenticationError",
    "Client",
    "ConnectionFailed",
    "ForbiddenError",
    "LocalDetector",
    "NotFoundError",
    "PayloadTooLargeError",
    "RateLimitedError",
    "Release",
    "ServerError",
    "ValidationError",
    "WildwatchError",
]


def __getattr__(name: str) -> Any:
    if name == "LocalDetector":
        from .local import LocalDetector

        return LocalDetector
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
