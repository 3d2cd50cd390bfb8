"""Structured logs: one line per record, as JSON (production) or key=value (development).

Fields passed with ``extra={...}`` become fields of the line, and every record
written while a request is served carries that request's id (set by
``shop.middleware.RequestLogMiddleware``), so a request's lines can be found
together across web processes.
"""

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

# The id of the request this thread or task is serving; None outside requests.
request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
# The request this thread is serving (set by RequestLogMiddleware), for code that a signal
# reaches without one: the audit trail takes the actor and IP from it (shop.audit).
current_request_var: ContextVar[Any] = ContextVar("current_request", default=None)

# Attributes every LogRecord has; anything else on a record came from ``extra``.
_RECORD_ATTRIBUTES = frozenset(
    [*logging.LogRecord("", logging.INFO, "", 0, "", None, None).__dict__, "message", "asctime", "taskName"]
)


class RequestIdFilter(logging.Filter):
    """Give every record the current request's id (``request_id``), unless it has one already."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            request_id = request_id_var.get()
            if request_id is not None:
                record.request_id = request_id
        return True


def log_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The record as ordered fields: time, level, logger, message, then its extra fields."""
    fields: dict[str, Any] = {
        "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
        "level": record.levelname,
        "logger": record.name,
        "message": record.getMessage(),
    }
    for key, value in record.__dict__.items():
        if key not in _RECORD_ATTRIBUTES and not key.startswith("_") and key not in fields:
            fields[key] = value
    return fields


class JsonFormatter(logging.Formatter):
    """One JSON object per line; newlines in values are escaped, so a line is always one record."""

    def format(self, record: logging.LogRecord) -> str:
        fields = log_fields(record)
        if record.exc_info:
            fields["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            fields["stack"] = self.formatStack(record.stack_info)
        return json.dumps(fields, ensure_ascii=False, default=str)


def _value_text(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    if text and not any(character in text for character in ' "=\\') and text.isprintable():
        return text
    return json.dumps(text, ensure_ascii=False)


class KeyValueFormatter(logging.Formatter):
    """``time level logger message key=value ...`` on one line; values with spaces are quoted."""

    def format(self, record: logging.LogRecord) -> str:
        fields = log_fields(record)
        message = _value_text(fields.pop("message"))
        head = " ".join([fields.pop("time"), fields.pop("level"), fields.pop("logger"), message])
        if record.exc_info:
            fields["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            fields["stack"] = self.formatStack(record.stack_info)
        tail = " ".join(f"{key}={_value_text(value)}" for key, value in fields.items())
        return f"{head} {tail}" if tail else head
