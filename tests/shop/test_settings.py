"""The settings' defaults are production's, and production never runs on the public development key.

Each case reads the settings in a process of its own, with an environment the test controls
and no `.env` file, as a shop started on a server would.
"""

import json
import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

DEVELOPMENT_KEY = "dev-only-insecure-key-never-use-in-production"  # public: it is in the repository
PROBE = (
    "import json; from django.conf import settings as s; "
    "print(json.dumps({'debug': s.DEBUG, 'https': s.HTTPS, 'serve_media': s.SERVE_MEDIA, "
    "'development_key': s.SECRET_KEY == " + repr(DEVELOPMENT_KEY) + "}))"
)


def _read_settings(**variables: str | None) -> subprocess.CompletedProcess:
    """Import the shop's settings with DEBUG and SECRET_KEY as given (None: not set at all)."""
    env = {key: value for key, value in os.environ.items() if key not in ("DEBUG", "SECRET_KEY")}
    env.update(DJANGO_SETTINGS_MODULE="shop.settings", ENV_FILE=os.devnull)
    env.update({key: value for key, value in variables.items() if value is not None})
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_without_debug_in_the_environment_the_shop_runs_as_production():
    result = _read_settings(SECRET_KEY=secrets.token_urlsafe(50))

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "debug": False,
        "https": True,
        "serve_media": False,
        "development_key": False,
    }


@pytest.mark.parametrize("debug", [None, "0"], ids=["DEBUG unset", "DEBUG=0"])
@pytest.mark.parametrize(
    ("secret_key", "complaint"),
    [
        (None, "SECRET_KEY is not set"),
        ("  ", "SECRET_KEY is not set"),
        (DEVELOPMENT_KEY, "SECRET_KEY is the public development key"),
    ],
    ids=["no key", "blank key", "development key"],
)
def test_with_debug_off_the_shop_refuses_to_start_without_a_key_of_its_own(debug, secret_key, complaint):
    result = _read_settings(DEBUG=debug, SECRET_KEY=secret_key)

    assert result.returncode != 0
    assert "django.core.exceptions.ImproperlyConfigured" in result.stderr
    assert complaint in result.stderr
    assert "secrets.token_urlsafe(50)" in result.stderr  # how to make one
    assert result.stdout == ""


def test_development_turns_debug_on_and_gets_the_development_key():
    result = _read_settings(DEBUG="1")

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "debug": True,
        "https": False,
        "serve_media": True,
        "development_key": True,
    }
