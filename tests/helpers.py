"""Helpers every area's tests share: the real task worker, a real local SMTP server, real threads."""

import signal
import socket
import threading
import time
from collections.abc import Callable
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.db import connection


def run_together(*jobs: Callable[[], Any]) -> list[Any]:
    """Run the jobs in threads that a barrier releases at once, so they really overlap.

    Each thread works on its own database connection and closes it. Returns the
    jobs' results in order; once every thread has ended, the first exception a
    job raised is raised here (jobs catch the ones their test expects).
    """
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)
    errors: list[BaseException] = []

    def run(index: int, job: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[index] = job()
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, job)) for index, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


def run_tasks() -> None:
    """Run every task that is due with the real worker, then return (batch mode)."""
    # db_worker installs its own signal handlers; put pytest's back afterwards.
    handled = [signal.SIGINT, signal.SIGTERM, signal.SIGQUIT]
    saved = {signum: signal.getsignal(signum) for signum in handled}
    try:
        call_command(
            "db_worker", "--batch", "--no-reload", "--no-startup-delay", "--interval", "0", verbosity=0
        )
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def use_smtp(settings, port: int) -> None:
    """Send mail through Django's SMTP backend to 127.0.0.1:port."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5


class LocalSmtpServer:
    """A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives, envelope included.

    Use ``start()``/``stop()`` or ``with LocalSmtpServer() as smtp:``.
    """

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self._controller: Controller | None = None

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"

    def start(self) -> None:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> "LocalSmtpServer":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def use_in(self, settings) -> None:
        use_smtp(settings, self.port)


def staff_login(client, user) -> None:
    """Sign a staff member in with the test client past both steps: password and two-factor code.

    ``client.force_login(user)`` alone leaves the session unverified, and the admin then
    redirects to the code page (accounts.middleware.StaffTwoFactorMiddleware). This gives the user
    a confirmed authenticator when they have none and marks the session verified with it
    just now, as the code page does after a correct code.
    """
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.two_factor import VERIFIED_AT_SESSION_KEY

    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[VERIFIED_AT_SESSION_KEY] = int(time.time())
    session.save()
