"""The checkout section's open-loop runs: checkouts due at a fixed rate, with the server's CPU.

``benchmarks.checkout`` calls ``open_loop_section`` after its closed loops, with the
products they bought and the plain loop's capacity; the workers and the report are in
``benchmarks.open_loop``.
"""

from collections.abc import Sequence

from django.db import connection

from benchmarks.base import BenchContext
from benchmarks.checkout_report import PLACE_ORDER_P99_GOAL_MS
from benchmarks.open_loop import (
    OpenLoopRun,
    gunicorn_master_pid,
    open_loop_report,
    open_loop_run,
    parent_pid,
    process_tree_cpu_seconds,
)
from benchmarks.shopper import EMAIL_DOMAIN

# The open-loop runs: checkouts due at a fixed rate (half the closed loop's capacity, and this).
OPEN_LOOP_RATE = 20.0
OPEN_LOOP_SECONDS = 20.0


def _server_cpu_seconds(roots: Sequence[int | None]) -> float | None:
    if None in roots:
        return None
    return sum(process_tree_cpu_seconds(root) for root in roots)


def open_loop_section(
    context: BenchContext, *, product_paths: Sequence[str], run: str, capacity: float
) -> str:
    """Checkouts due at a fixed rate (half ``capacity``, and OPEN_LOOP_RATE), latencies from schedule."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        postmaster = parent_pid(cursor.fetchone()[0])
    roots = [gunicorn_master_pid(context.port), postmaster]
    runs = []
    for label, rate in (("half capacity", capacity / 2), (f"{OPEN_LOOP_RATE:g}/s", OPEN_LOOP_RATE)):
        if rate <= 0:
            continue
        cpu_before = _server_cpu_seconds(roots)
        result, seconds = open_loop_run(
            port=context.port,
            product_paths=product_paths,
            email=f"bench-{run}-open-{label.split('/')[0].replace(' ', '-')}@{EMAIL_DOMAIN}",
            rate=rate,
            duration=OPEN_LOOP_SECONDS,
        )
        cpu_after = _server_cpu_seconds(roots)
        cpu = None if cpu_before is None or cpu_after is None else cpu_after - cpu_before
        runs.append(
            OpenLoopRun(label=label, rate=rate, result=result, seconds=seconds, server_cpu_seconds=cpu)
        )
    intro = (
        f"Checkouts due at a fixed rate for {OPEN_LOOP_SECONDS:g} s each (half the plain closed loop's "
        f"capacity, and {OPEN_LOOP_RATE:g}/s), taken by a pool of worker processes from a shared schedule "
        "and run with the same steps as the closed loop. Latencies count from each checkout's scheduled "
        "start, so a checkout that starts late because every worker was busy carries its wait "
        "(coordinated omission avoided). Server CPU: the gunicorn master and workers plus the PostgreSQL "
        "postmaster and backends (/proc/<pid>/stat) over the run, per completed checkout."
    )
    table = (
        open_loop_report(runs, capacity=capacity, place_goal_ms=PLACE_ORDER_P99_GOAL_MS) if runs else "n/a"
    )
    return "\n".join(["### Open loop: checkouts at a fixed rate", "", intro, "", table])
