"""Structured logs: one JSON object per line, with the request id, and secrets scrubbed before anything is written.

``JsonFormatter`` writes ``time`` (ISO 8601, UTC), ``level``, ``logger``, ``message``, ``request_id`` (of the request
being served, or null), the fields passed with ``extra=`` and ``exc_info`` (the traceback, as a string).
``RedactingFilter``, attached to the handler, scrubs the message (its arguments merged in), the extra fields and the
traceback: e-mail addresses, the hub's API keys, password/secret/token fields, ``Authorization``, ``Cookie`` and
``X-API-Key`` values, and PEM private keys. Standard library only: Django configures logging before it is set up.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

#: the id of the request being served (set by ``middleware.RequestIdMiddleware``)
request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("wildwatch_request_id", default=None)

EMAIL, KEY, REDACTED = "[email]", "[key]", "[redacted]"
_PEM = re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----(?:.*?-----END [A-Z0-9 ]*PRIVATE KEY-----|.*)", re.DOTALL)
#: a field or header whose value is a secret: ``password=…``, ``"password": "…"``, ``Authorization: Bearer …``
#: (names and e-mail parts are bounded and start at a word's start: no quadratic work on a long word)
_SENSITIVE_NAME = r"[\w-]{0,32}?(?:passw(?:or)?d|secret|token|authorization|api[-_]?key|cookie|sessionid)[\w-]{0,32}"
_SENSITIVE = re.compile(
    rf"""(?P<name>(?<![\w-])["']?{_SENSITIVE_NAME}["']?\s*[:=]\s*)"""
    r"""(?P<value>"[^"]*"|'[^']*'|(?:(?:bearer|basic|digest|token|negotiate)\s+)?[^\s"',;&}\]]+)""",
    re.IGNORECASE,
)
_SENSITIVE_KEY = re.compile(_SENSITIVE_NAME, re.IGNORECASE)
#: an API key as ``accounts.services.create_api_key`` makes them: ``ww_<12 hex>_<secret>``
_API_KEY = re.compile(r"(?<![A-Za-z0-9])ww_[0-9a-f]{12}_[A-Za-z0-9_-]+")
_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,63}")
#: the attributes every LogRecord has: the others came with ``extra=``
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime", "taskName"}


def _hide_value(match: re.Match[str]) -> str:
    quote = match["value"][0] if match["value"][0] in "\"'" else ""
    return f"{match['name']}{quote}{REDACTED}{quote}"


def redact(text: str) -> str:
    """``text`` with private keys, secret fields, API keys and e-mail addresses replaced."""
    text = _PEM.sub(REDACTED, text)
    text = _SENSITIVE.sub(_hide_value, text)
    text = _API_KEY.sub(KEY, text)
    return _EMAIL.sub(EMAIL, text)


def redact_value(value: Any) -> Any:
    """Strings redacted, containers copied with their contents redacted; other values unchanged."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: REDACTED if isinstance(k, str) and _SENSITIVE_KEY.fullmatch(k) else redact_value(v)
                for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [redact_value(v) for v in value]
    return value


def extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in record.__dict__.items() if k not in _STANDARD and not k.startswith("_")}


class RedactingFilter(logging.Filter):
    """Scrubs a record in place before a handler writes it (the message with its arguments, extras, traceback)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # arguments that do not fit the message: keep both
            message = f"{record.msg} {record.args!r}"
        record.msg, record.args = redact(message), None
        for name, value in extra_fields(record).items():
            setattr(record, name, REDACTED if _SENSITIVE_KEY.fullmatch(name) else redact_value(value))
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def _fallback(value: object) -> str:
    """How a value JSON cannot hold is written: a request as its method and path (never its query or headers)."""
    method, path = getattr(value, "method", None), getattr(value, "path", None)
    if isinstance(method, str) and isinstance(path, str):
        return redact(f"{method} {path}")
    return redact(str(value))


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id.get(),
        }
        for name, value in extra_fields(record).items():
            if name != "request_id":
                payload[f"extra_{name}" if name in payload else name] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            payload["exc_info"] = record.exc_text
        if record.stack_info:
            payload["stack_info"] = record.stack_info
        try:
            return json.dumps(payload, default=_fallback, skipkeys=True)
        except ValueError:  # a circular structure among the extras
            return json.dumps({k: v if isinstance(v, str | int | float | bool | None) else _fallback(v)
                               for k, v in payload.items()})


class TextFormatter(logging.Formatter):
    """Plain lines for development (``WILDWATCH_LOG_FORMAT=text``): time, level, logger, request id, message."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id.get() or "-"
        return super().format(record)
