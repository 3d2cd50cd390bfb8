"""`make run` on another port: the links in emails and the canonical URLs follow it."""

import os
import subprocess

from django.conf import settings


def _run_commands(**environment: str) -> str:
    env = {key: value for key, value in os.environ.items() if key != "SITE_URL"} | environment
    return subprocess.run(
        ["make", "--no-print-directory", "-n", "run", "PORT=8123"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_make_run_on_another_port_points_site_url_at_it():
    assert 'export SITE_URL="http://127.0.0.1:8123"' in _run_commands()


def test_make_run_keeps_a_site_url_that_is_set():
    assert 'export SITE_URL="https://shop.example"' in _run_commands(SITE_URL="https://shop.example")
