"""Settings for ``make bench``: the shop's own settings on a separate database, plus a bare view.

The benchmark database is the shop's database name plus ``_bench`` on the same
server (the embedded PostgreSQL, or the server DATABASE_URL names), so a
benchmark never touches the shop's data; ``benchmarks.run`` creates it. Media
and collected static files live under ``var/bench/`` for the same reason.
"""

from shop.settings import *  # noqa: F403
from shop.settings import BASE_DIR, DATABASES

BENCH_DATABASE_SUFFIX = "_bench"
SHOP_DATABASE_NAME = DATABASES["default"]["NAME"]
DATABASES["default"]["NAME"] = f"{SHOP_DATABASE_NAME}{BENCH_DATABASE_SUFFIX}"

ROOT_URLCONF = "benchmarks.urls"
MEDIA_ROOT = BASE_DIR / "var" / "bench" / "media"
STATIC_ROOT = BASE_DIR / "var" / "bench" / "static"

# The checkout section's shoppers all come from 127.0.0.1 and each places many orders with one
# address: the shop's hourly order limits would refuse them after a few. The limits are raised
# out of reach rather than turned off, so every checkout still pays for the count it makes.
ORDER_LIMIT_PER_IP_PER_HOUR = 10**9
ORDER_LIMIT_PER_EMAIL_PER_HOUR = 10**9
