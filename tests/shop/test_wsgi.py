"""The WSGI entry point readies a worker before its first request."""

import subprocess
import sys

from django.conf import settings

PROBE = """
import gc, sys
import shop.wsgi
print(gc.get_freeze_count() > 0, "payments.providers.stripe" in sys.modules)
"""


def test_a_worker_loads_the_payment_gateways_and_freezes_what_it_loaded():
    # In a process of its own: freezing the collector here would last for the rest of the tests.
    probe = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=120
    )

    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.split() == ["True", "True"]
