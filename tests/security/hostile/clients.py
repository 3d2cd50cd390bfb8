"""Test clients signed in as each role of the walk: anonymous, customer and staff."""

from __future__ import annotations

from http.cookies import SimpleCookie

from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client

from tests.helpers import staff_login


class ClientPool:
    """Clients signed in as each role, with fresh cookies for every request.

    Clients (whose handler loads every middleware, WhiteNoise's file scan included) and signed-in
    sessions are reused while they last: building either costs more than a request.
    """

    def __init__(self, world) -> None:
        self.world = world
        self._clients: dict[bool, Client] = {}
        self._sessions: dict[str, str] = {}

    def get(self, role: str, *, enforce_csrf: bool = False) -> Client:
        client = self._clients.get(enforce_csrf)
        if client is None:
            client = Client(raise_request_exception=False, enforce_csrf_checks=enforce_csrf)
            self._clients[enforce_csrf] = client
        client.cookies = SimpleCookie()
        if role == "anonymous":
            return client
        key = self._sessions.get(role)
        if key is None or not Session.objects.filter(session_key=key).exists():
            if role == "customer":
                client.force_login(self.world.customer)
            else:
                staff_login(client, self.world.staff)
            self._sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
        else:
            client.cookies[settings.SESSION_COOKIE_NAME] = key
        return client
