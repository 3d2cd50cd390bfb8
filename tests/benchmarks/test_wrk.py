import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from benchmarks.server import free_port, http_status
from benchmarks.wrk import WrkError, WrkOptions, WrkResult, wrk_measure, wrk_parse

WRK_REPORT = """\
Running 10s test @ http://127.0.0.1:40111/products/
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     5.60ms    2.11ms  30.07ms   80.94%
    Req/Sec   720.47     70.50   848.00     74.00%
  Latency Distribution
     50%  812.00us
     75%    6.40ms
     90%    7.94ms
     99%    1.20s
  14355 requests in 10.01s, 5.09MB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 17
Requests/sec:   1434.45
Transfer/sec:    520.98KB
"""


def test_wrk_parse_reads_rate_percentiles_in_any_unit_and_errors():
    result = wrk_parse(WRK_REPORT)

    assert result == WrkResult(
        requests=14355, requests_per_second=1434.45, p50_ms=0.812, p99_ms=1200.0, non_2xx=17, socket_errors=5
    )


def test_wrk_parse_counts_no_errors_when_wrk_reports_none():
    report = "\n".join(
        line for line in WRK_REPORT.splitlines() if "Socket errors" not in line and "Non-2xx" not in line
    )

    result = wrk_parse(report)

    assert (result.non_2xx, result.socket_errors) == (0, 0)


def test_wrk_parse_refuses_a_report_without_latency_distribution():
    with pytest.raises(WrkError, match="50"):
        wrk_parse("Running 1s test @ http://127.0.0.1:1/\nRequests/sec: 10.00\n")


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status = 200 if self.path == "/ok" else 404
        body = b"hello"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:
        pass


@contextmanager
def local_server() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_http_status_reports_the_status_or_zero_when_nothing_answers():
    with local_server() as port:
        statuses = (http_status(port, "/ok"), http_status(port, "/missing"))

    assert statuses == (200, 404)
    assert http_status(free_port(), "/") == 0


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (make bench installs it)")
def test_wrk_measure_loads_a_local_server_and_counts_non_2xx_responses():
    options = WrkOptions(threads=1, connections=2, duration=1, warmup=0)

    with local_server() as port:
        ok = wrk_measure(f"http://127.0.0.1:{port}/ok", options=options)
        missing = wrk_measure(f"http://127.0.0.1:{port}/missing", options=options)

    assert ok.requests > 0
    assert ok.non_2xx == 0
    assert 0 < ok.p50_ms <= ok.p99_ms
    assert missing.non_2xx == missing.requests > 0
