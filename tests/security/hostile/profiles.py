"""Hypothesis profiles of the hostile-input walk: "ci" (the default) is bounded and deterministic;
HYPOTHESIS_PROFILE=deep explores more."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings

_COMMON = {
    "deadline": None,
    "database": None,
    "print_blob": True,
    "suppress_health_check": list(HealthCheck),
}
hypothesis_settings.register_profile("security-ci", max_examples=4, derandomize=True, **_COMMON)
hypothesis_settings.register_profile("security-deep", max_examples=60, **_COMMON)


def profile(*, explore: bool = True) -> hypothesis_settings:
    """The profile chosen by HYPOTHESIS_PROFILE ("ci" by default, or "deep"); explicit examples only
    when ``explore`` is false."""
    chosen = os.environ.get("HYPOTHESIS_PROFILE", "ci")
    base = hypothesis_settings.get_profile("security-deep" if chosen == "deep" else "security-ci")
    return base if explore else hypothesis_settings(base, phases=[Phase.explicit])
