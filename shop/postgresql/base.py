"""Django's PostgreSQL backend with a per-request health check that usually costs no round trip.

CONN_HEALTH_CHECKS makes Django run ``SELECT 1`` before the first query of
every request, so a connection broken by a database restart is replaced
instead of failing the request. On a busy machine that round trip was a
noticeable share of a guest checkout (``make bench``). A server that restarts
or crashes closes its connections, so a broken idle connection has data or
end-of-file waiting on its socket: when the socket is quiet and the
connection idle, the check passes without asking the server; otherwise
Django's ``SELECT 1`` decides, as before. A server that vanishes without
closing (a network partition) is caught by the keepalive and TCP user timeout
settings either way.
"""

import select

from django.db.backends.postgresql import base
from psycopg.pq import TransactionStatus


class DatabaseWrapper(base.DatabaseWrapper):
    def close_if_health_check_failed(self) -> None:
        if (
            self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and not self.pool
            and self._idle_and_quiet()
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def _idle_and_quiet(self) -> bool:
        """True when the connection is open, outside a transaction and nothing waits on its socket."""
        connection = self.connection
        if connection.closed or connection.info.transaction_status != TransactionStatus.IDLE:
            return False
        if not hasattr(select, "poll"):
            return False
        poller = select.poll()
        try:
            poller.register(connection.fileno(), select.POLLIN | select.POLLPRI)
            return not poller.poll(0)
        except (OSError, ValueError):
            return False
