"""The WeChat Pay stand-in over HTTP: a CONNECT tunnel to the API (TLS ended here), and the phone's pages.

Plain requests reach the payer's phone; a CONNECT to api.mch.weixin.qq.com:443
is answered "established", the TLS inside is ended with the test CA's
certificate, and the requests in the tunnel reach the API.
"""

import ssl
from typing import TYPE_CHECKING

from tests.payments.standin import StandinHandler
from tests.payments.wechat.standin.protocol import API_HOST

if TYPE_CHECKING:
    from tests.payments.wechat.standin.gateway import WeChatPayStandIn


class WeChatPayHandler(StandinHandler):
    """Plain HTTP: the shopper's pages and the CONNECT tunnel; inside the tunnel, the API."""

    standin: "WeChatPayStandIn"
    protocol_version = "HTTP/1.1"
    timeout = 15
    tunnelled = False

    def do_CONNECT(self) -> None:
        if self.tunnelled or self.path != f"{API_HOST}:443":
            # Never a way out to the internet: only WeChat Pay's host, answered here.
            self.respond(403, b"only the WeChat Pay API is served here", {"Content-Type": "text/plain"})
            return
        self.send_response(200, "Connection established")
        self.end_headers()
        self.close_connection = True
        try:
            tls = self.standin.tls_context.wrap_socket(self.connection, server_side=True)
        except (ssl.SSLError, OSError):
            return
        try:
            _ApiHandler(tls, self.client_address, self.server)
        finally:
            tls.close()

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        body = self.request_body()
        handle = self.standin.api if self.tunnelled else self.standin.page
        status, headers, payload = handle(method, self.path, self.headers, body)
        self.respond(status, payload, headers)


class _ApiHandler(WeChatPayHandler):
    tunnelled = True
