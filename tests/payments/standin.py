"""What every gateway stand-in shares: a local HTTP server on 127.0.0.1, served from a daemon thread.

A stand-in subclasses ``StandinServer`` and names its request handler, a
``StandinHandler`` that reaches the stand-in as ``self.standin``. The port is
chosen when the stand-in is made, so the shop can be configured before the
server starts, and a stand-in stopped and started again (a gateway that was
down) comes back at the same address.
"""

import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Self

from tests.helpers import free_port


class StandinHandler(BaseHTTPRequestHandler):
    """A request handler of a stand-in: quiet, with the stand-in at hand and one way to answer."""

    server: "_Server"

    @property
    def standin(self) -> Any:
        return self.server.standin

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests assert on what the stand-in records instead."""

    def request_body(self) -> bytes:
        """The request's body (as long as its Content-Length says; none without one)."""
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def respond(self, status: int, body: bytes, headers: Mapping[str, str]) -> None:
        """Send a whole answer: status, ``headers``, Content-Length and ``body``."""
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, standin: "StandinServer") -> None:
        self.standin = standin
        super().__init__(("127.0.0.1", standin.port), standin.handler_class)


class StandinServer:
    """A stand-in's server life cycle: ``with Standin() as standin:`` serves it for the block."""

    handler_class: ClassVar[type[StandinHandler]]

    def __init__(self) -> None:
        self.port = free_port()
        self._server: _Server | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Self:
        self._server = _Server(self)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
