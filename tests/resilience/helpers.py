"""Real shop processes for the resilience tests: gunicorn, db_worker, a browser-like HTTP client.

Every process runs in its own session (process group) and is stopped with
its children by ``ShopProcess.stop()``, also when a test fails.
"""

import contextlib
import http.cookiejar
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from django.conf import settings

from tests.helpers import free_port

BASE_DIR = Path(settings.BASE_DIR)
HOST = "127.0.0.1"


def database_url(settings_dict: dict, *, name: str | None = None) -> str:
    """A django-environ DATABASE_URL for this database (a socket directory goes in the path)."""
    credentials = quote(settings_dict.get("USER") or "", safe="")
    if settings_dict.get("PASSWORD"):
        credentials += ":" + quote(settings_dict["PASSWORD"], safe="")
    host, port = str(settings_dict.get("HOST") or ""), settings_dict.get("PORT") or ""
    name = name or settings_dict["NAME"]
    if host.startswith("/"):
        return f"postgres://{credentials}@:{port}/{host}/{name}"
    return f"postgres://{credentials}@{host}:{port}/{name}"


def shop_environment(
    *, database_url: str, media_root: Path, smtp_port: int | None = None, **extra: str
) -> dict:
    """The environment of a production-style shop process on this database (DEBUG=0, no HTTPS)."""
    environment = dict(os.environ)
    environment.pop("TEST_DATABASE_NAME", None)
    environment.update(
        {
            "DJANGO_SETTINGS_MODULE": "tests.resilience.server_settings",
            "DATABASE_URL": database_url,
            "DEBUG": "0",
            "HTTPS": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": HOST,
            "MEDIA_ROOT": str(media_root),
            "LOG_FORMAT": "json",
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }
    )
    if smtp_port is not None:
        environment["EMAIL_URL"] = f"smtp://{HOST}:{smtp_port}"
        environment["EMAIL_TIMEOUT"] = "5"
    environment.update(extra)
    return environment


def manage(*arguments: str, environment: dict, timeout: float = 120) -> str:
    """Run ``manage.py`` in a subprocess to its end; its output, or AssertionError with it."""
    result = subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, (
        f"manage.py {' '.join(arguments)} failed:\n{result.stdout}\n{result.stderr}"
    )
    return result.stdout


class ShopProcess:
    """A long-running shop process (gunicorn or db_worker) in its own process group."""

    def __init__(self, command: list[str], *, environment: dict) -> None:
        self.command = command
        # Kept open for the process's life and after, so a failing test can show it.
        self._log = tempfile.TemporaryFile()  # noqa: SIM115
        self.process = subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env=environment,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        self._log.seek(0)
        return self._log.read().decode(errors="replace")

    def stop(self) -> None:
        """SIGTERM to the whole group, then SIGKILL after a grace period; always reaps."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=15)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=15)
        # Workers the master forked may outlive it for a moment.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)


class Gunicorn(ShopProcess):
    """``gunicorn shop.wsgi`` with sync workers on a free local port."""

    def __init__(self, *, environment: dict, workers: int = 1) -> None:
        self.port = free_port()
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        super().__init__(
            [
                gunicorn,
                "shop.wsgi:application",
                f"--bind={HOST}:{self.port}",
                f"--workers={workers}",
                "--worker-class=sync",
                "--no-control-socket",
                "--timeout=60",
            ],
            environment=environment,
        )

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def wait_until_healthy(self, seconds: float = 60) -> None:
        def healthy() -> bool:
            assert self.process.poll() is None, f"gunicorn exited:\n{self.output()[-4000:]}"
            return http_get(f"{self.url}/healthz", timeout=2).status == 200

        wait_for(
            healthy, seconds=seconds, message=lambda: f"gunicorn is not healthy:\n{self.output()[-4000:]}"
        )


class DbWorker(ShopProcess):
    """``manage.py db_worker`` polling the queue every half second."""

    def __init__(self, *, environment: dict) -> None:
        super().__init__(
            [sys.executable, "manage.py", "db_worker", "--no-reload", "--interval", "0.5"],
            environment=environment,
        )


def wait_for(
    condition: Callable[[], bool], *, seconds: float, message: Callable[[], str] = lambda: ""
) -> None:
    """Poll ``condition`` until it holds; AssertionError after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"Gave up after {seconds} s. {message()}")


@dataclass
class Response:
    status: int
    headers: dict
    body: str
    seconds: float

    def form_value(self, name: str) -> str:
        """The value of the first input called ``name`` in the page."""
        tag = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', self.body)
        assert tag is not None, f"no input {name!r} in the page"
        value = re.search(r'value="([^"]*)"', tag.group(0))
        assert value is not None, f"input {name!r} has no value"
        return value.group(1)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _opener(cookies: http.cookiejar.CookieJar | None) -> urllib.request.OpenerDirector:
    handlers: list = [_NoRedirects()]
    if cookies is not None:
        handlers.append(urllib.request.HTTPCookieProcessor(cookies))
    return urllib.request.build_opener(*handlers)


def _request(
    request: urllib.request.Request, *, cookies: http.cookiejar.CookieJar | None, timeout: float
) -> Response:
    started = time.monotonic()
    try:
        with _opener(cookies).open(request, timeout=timeout) as answer:
            status, headers, body = answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        status, headers, body = error.code, dict(error.headers), error.read()
    except OSError:
        status, headers, body = 0, {}, b""
    return Response(status, headers, body.decode(errors="replace"), time.monotonic() - started)


def http_get(
    url: str,
    *,
    cookies: http.cookiejar.CookieJar | None = None,
    timeout: float = 15,
    headers: dict | None = None,
) -> Response:
    """GET without following redirects; status 0 when nothing answers in time."""
    return _request(urllib.request.Request(url, headers=headers or {}), cookies=cookies, timeout=timeout)


def http_post(
    url: str, data: dict, *, cookies: http.cookiejar.CookieJar | None = None, timeout: float = 15
) -> Response:
    """POST a form without following redirects."""
    body = urllib.parse.urlencode(data).encode()
    request = urllib.request.Request(url, data=body, method="POST")
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    return _request(request, cookies=cookies, timeout=timeout)
