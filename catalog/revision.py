"""The catalogue revision kept in each web process, told of every change by PostgreSQL.

Reading the revision was a warm page's only query, and on a busy machine about half its
time. Each process now keeps the last revision it read while a listener thread of its
own holds a connection that LISTENs on ``catalog_revision``; triggers NOTIFY it in the
transaction of every change to the revision or the scheduled changes (migration
``0011_catalog_revision_notify``), so a change committed by any process or by hand
reaches every process as it commits. A process that makes a change itself forgets its
copy at once (``revision_forget``).

The copy is used only when all of these hold, else the caller reads the database as
before, so correctness never rests on the listener:

- ``CATALOG_REVISION_LISTEN`` is on and the listener is connected and listening;
- no notification arrived since the read was started (each one, and each (re)connection,
  moves the generation on; a read started under an older generation is not kept);
- the next scheduled change has not passed by the database's clock, as this process
  reckons it: its own clock plus the offset measured when the revision was read (the
  database's moment less this process's time then), so a sale still starts or ends the
  instant it passes, with no notification at all, even on a host whose clock is off;
- the copy is younger than ``CATALOG_REVISION_HELD_SECONDS``: a link that died without a
  word (no FIN, no RST) looks connected until TCP keepalive gives up, and notifications
  sent meanwhile are lost, so a held copy is re-read at least that often;
- the caller is outside a transaction, whose snapshot or own writes may differ.

Gunicorn's sync workers fork: the thread is started lazily by the first read in each
process (after the fork), as a daemon, and a forked child starts its own.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
import time
from datetime import datetime, timedelta
from typing import Any

import psycopg
from django.conf import settings
from django.db import connection, connections
from django.utils import timezone

logger = logging.getLogger(__name__)

CHANNEL = "catalog_revision"
# Seconds between the listener's attempts to reconnect, doubling up to the last.
RECONNECT_DELAYS = (1.0, 2.0, 5.0, 15.0, 30.0)
# How long the listener waits in one call for notifications before it checks whether to stop.
_POLL_SECONDS = 1.0


class _ProcessRevision:
    """One process's copy of the revision and its listener (a new one after a fork)."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.lock = threading.Lock()
        self.generation = 0
        self.listening = False
        self.read: Any = None
        self.read_generation = -1
        # The database's clock less this process's, measured when ``read`` was kept.
        self.read_offset = timedelta(0)
        # time.monotonic() when ``read`` was kept.
        self.read_kept_at = 0.0
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None

    def changed(self) -> None:
        with self.lock:
            self.generation += 1
            self.read = None


_process = _ProcessRevision()


def _current() -> _ProcessRevision:
    global _process
    if _process.pid != os.getpid():
        # A forked child: the parent's thread and connection did not come along.
        _process = _ProcessRevision()
    return _process


def revision_held(*, now: datetime | None = None, monotonic: float | None = None) -> Any:
    """The revision this process holds, re-stamped with the database's current moment; None to read it.

    Starts the listener on first use in a process. The value is the
    ``CatalogRevisionRead`` last kept with ``revision_keep``; its ``moment`` is
    ``now`` (this process's clock, ``timezone.now()`` by default) plus the
    offset to the database's clock measured at the read. None once that
    moment reaches the next scheduled change, or once the copy is older than
    ``CATALOG_REVISION_HELD_SECONDS`` by ``monotonic`` (``time.monotonic()``).
    """
    if not settings.CATALOG_REVISION_LISTEN or connection.in_atomic_block:
        return None
    process = _current()
    if process.thread is None:
        _listener_start(process)
        return None
    with process.lock:
        read, offset, kept_at = process.read, process.read_offset, process.read_kept_at
        current = process.listening and process.read_generation == process.generation
    if read is None or not current:
        return None
    if (
        time.monotonic() if monotonic is None else monotonic
    ) - kept_at >= settings.CATALOG_REVISION_HELD_SECONDS:
        return None
    moment = (timezone.now() if now is None else now) + offset
    if read.next_change is not None and moment >= read.next_change:
        return None
    return dataclasses.replace(read, moment=moment)


def revision_generation() -> int | None:
    """The generation to pass to ``revision_keep`` for a read about to start; None when not listening."""
    if not settings.CATALOG_REVISION_LISTEN or connection.in_atomic_block:
        return None
    process = _current()
    return process.generation if process.listening else None


def revision_keep(read: Any, generation: int | None, *, now: datetime | None = None) -> None:
    """Keep ``read`` for later requests, unless something changed since ``generation`` was taken.

    Call it just after the read: ``now`` (this process's clock, ``timezone.now()``
    by default) is taken as the instant of ``read.moment``, the database's clock,
    and their difference is applied to every later use of the copy.
    """
    if read is None or generation is None:
        return
    offset = read.moment - (timezone.now() if now is None else now)
    process = _current()
    with process.lock:
        if process.listening and process.generation == generation:
            process.read = read
            process.read_generation = generation
            process.read_offset = offset
            process.read_kept_at = time.monotonic()


def revision_forget() -> None:
    """Drop this process's copy: it just changed the revision or the schedule itself."""
    _current().changed()


def revision_listening() -> bool:
    """Whether this process's listener is connected and listening."""
    return _current().listening


def revision_listener_stop(timeout: float = 5.0) -> None:
    """Stop this process's listener and drop its copy (tests, before their database goes)."""
    process = _current()
    process.stop.set()
    if process.thread is not None:
        process.thread.join(timeout)
    global _process
    _process = _ProcessRevision()


def _listener_start(process: _ProcessRevision) -> None:
    with process.lock:
        if process.thread is not None:
            return
        # The parameters are taken here, in a request's thread, from Django's own connection settings.
        params = {**connections["default"].get_connection_params(), "autocommit": True}
        process.thread = threading.Thread(
            target=_listen, args=(process, params), name="catalog-revision-listener", daemon=True
        )
    process.thread.start()


def _listen(process: _ProcessRevision, params: dict) -> None:
    failures = 0
    while not process.stop.is_set():
        try:
            with psycopg.Connection.connect(**params) as listener:
                listener.execute(f"LISTEN {CHANNEL}")
                with process.lock:
                    process.listening = True
                    process.generation += 1
                    process.read = None
                if failures:
                    logger.info("Listening for catalogue revision changes again.")
                failures = 0
                while not process.stop.is_set():
                    for _notify in listener.notifies(timeout=_POLL_SECONDS):
                        process.changed()
        except Exception:
            if not failures:
                logger.warning(
                    "Lost the catalogue revision listener; reading the revision on every request.",
                    exc_info=True,
                )
            failures += 1
        finally:
            with process.lock:
                process.listening = False
                process.generation += 1
                process.read = None
        if not process.stop.is_set():
            process.stop.wait(RECONNECT_DELAYS[min(failures, len(RECONNECT_DELAYS)) - 1] if failures else 0)
