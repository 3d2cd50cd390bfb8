"""Open-loop checkouts: guests arrive at a fixed rate, whether or not the shop keeps up.

The closed loop (``benchmarks.checkout``) has 8 shoppers that never pause, so a
slow answer delays the next request and hides itself ("coordinated omission").
Here checkout ``i`` is due at ``i / rate`` seconds after the start; a pool of
worker processes takes the next due checkout from a shared counter, waits for
its time, and runs the same steps as the closed loop
(``benchmarks.shopper.checkout_once``). Latencies count from the scheduled
start: a checkout that starts late because every worker was busy carries its
wait in its place-order and whole-loop times.

Standard library only in the workers (they are spawned), like the shoppers.
"""

import math
import multiprocessing
import os
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from benchmarks.shopper import (
    REQUEST_TIMEOUT_SECONDS,
    Browser,
    ShopperResult,
    StepFailed,
    checkout_once,
    percentile,
)

WORKERS = 16
# A checkout more than this late is not started (counted as "late"): the shop is far past its
# capacity and the run would otherwise go on long after its duration.
GIVE_UP_SECONDS = 30.0

_counter = None  # the next schedule index, shared by the workers (set by _worker_init)


def schedule_offsets(*, rate: float, duration: float) -> tuple[float, ...]:
    """When each checkout is due, in seconds after the start: ``rate`` per second for ``duration``."""
    if rate <= 0 or duration <= 0:
        return ()
    return tuple(index / rate for index in range(math.floor(rate * duration)))


def latency_from_schedule_ms(*, scheduled: float, started: float, service_ms: float) -> float:
    """A request's latency as the user feels it: its own time plus how late its checkout started."""
    return max(0.0, started - scheduled) * 1000 + service_ms


@dataclass(frozen=True)
class OpenLoopPlan:
    port: int
    product_paths: tuple[str, ...]
    email: str
    offsets: tuple[float, ...]
    start: float  # time.monotonic() of offset 0 (the clock is shared by the processes on Linux)
    host: str = "127.0.0.1"


@dataclass
class OpenLoopResult:
    checkouts: int = 0
    placed: int = 0
    late: int = 0  # not started: more than GIVE_UP_SECONDS behind the schedule
    errors: Counter = field(default_factory=Counter)
    first_errors: dict[str, str] = field(default_factory=dict)
    place_ms: list[float] = field(default_factory=list)  # from the scheduled start's lateness on
    loop_ms: list[float] = field(default_factory=list)  # from the scheduled start to the confirmation
    last_finish: float = 0.0  # time.monotonic() of the last finished checkout

    @classmethod
    def merge(cls, results: Sequence["OpenLoopResult"]) -> "OpenLoopResult":
        merged = cls()
        for result in results:
            merged.checkouts += result.checkouts
            merged.placed += result.placed
            merged.late += result.late
            merged.errors.update(result.errors)
            for step, detail in result.first_errors.items():
                merged.first_errors.setdefault(step, detail)
            merged.place_ms += result.place_ms
            merged.loop_ms += result.loop_ms
            merged.last_finish = max(merged.last_finish, result.last_finish)
        return merged


def _worker_init(counter) -> None:
    global _counter
    _counter = counter


def _next_index() -> int:
    with _counter.get_lock():
        index = _counter.value
        _counter.value += 1
    return index


def open_loop_worker(plan: OpenLoopPlan) -> OpenLoopResult:
    """Take due checkouts from the shared counter until the schedule is done."""
    result = OpenLoopResult()
    browser = Browser(plan.port, host=plan.host)
    try:
        while (index := _next_index()) < len(plan.offsets):
            scheduled = plan.start + plan.offsets[index]
            if (wait := scheduled - time.monotonic()) > 0:
                time.sleep(wait)
            started = time.monotonic()
            if started - scheduled > GIVE_UP_SECONDS:
                result.late += 1
                continue
            steps = ShopperResult()
            path = plan.product_paths[index % len(plan.product_paths)]
            try:
                checkout_once(browser, product_path=path, email=plan.email, result=steps)
            except StepFailed as failure:
                result.errors[failure.step] += 1
                result.first_errors.setdefault(failure.step, failure.detail)
                browser.close()
                browser = Browser(plan.port, host=plan.host)
            finally:
                result.placed += steps.placed
                if steps.place_ms:
                    result.place_ms.append(
                        latency_from_schedule_ms(
                            scheduled=scheduled, started=started, service_ms=steps.place_ms[-1]
                        )
                    )
            if steps.checkouts:
                finished = time.monotonic()
                result.checkouts += 1
                result.loop_ms.append((finished - scheduled) * 1000)
                result.last_finish = max(result.last_finish, finished)
    finally:
        browser.close()
    return result


def open_loop_run(
    *,
    port: int,
    product_paths: Sequence[str],
    email: str,
    rate: float,
    duration: float,
    workers: int = WORKERS,
    host: str = "127.0.0.1",
) -> tuple[OpenLoopResult, float]:
    """Run checkouts due at ``rate`` per second for ``duration``; the merged result and its seconds."""
    offsets = schedule_offsets(rate=rate, duration=duration)
    context = multiprocessing.get_context("spawn")
    counter = context.Value("i", 0)
    with context.Pool(processes=workers, initializer=_worker_init, initargs=(counter,)) as pool:
        # The workers start before the schedule does: spawning them is not the shop's time.
        pool.map(time.sleep, [0.0] * workers)
        start = time.monotonic() + 0.5
        plans = [
            OpenLoopPlan(
                port=port,
                product_paths=tuple(product_paths),
                email=email,
                offsets=offsets,
                start=start,
                host=host,
            )
            for _ in range(workers)
        ]
        limit = duration + GIVE_UP_SECONDS + 10 * REQUEST_TIMEOUT_SECONDS
        results = pool.map_async(open_loop_worker, plans).get(timeout=limit)
    merged = OpenLoopResult.merge(results)
    return merged, max(merged.last_finish - start, 0.001)


# --- Server CPU time ------------------------------------------------------------------------------

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = open(f"/proc/{pid}/stat", encoding="ascii", errors="replace").read()  # noqa: SIM115
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces: split after it.
    return text[text.rindex(")") + 2 :].split()


def process_tree_cpu_seconds(root: int) -> float:
    """CPU seconds of ``root``, its reaped children and its living children (utime, stime, cutime, cstime).

    From /proc/<pid>/stat: a gunicorn master and its workers, or a PostgreSQL
    postmaster and its backends. 0.0 where /proc is not there.
    """
    if not os.path.isdir("/proc"):
        return 0.0
    total = 0
    root_fields = _stat_fields(root)
    if root_fields is None:
        return 0.0
    total += sum(int(value) for value in root_fields[11:15])
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        fields = _stat_fields(int(entry))
        if fields is not None and int(fields[1]) == root:  # field 4, the parent id
            total += sum(int(value) for value in fields[11:15])
    return total / _CLOCK_TICKS


def parent_pid(pid: int) -> int | None:
    fields = _stat_fields(pid)
    return int(fields[1]) if fields else None


def gunicorn_master_pid(port: int) -> int | None:
    """The gunicorn master bound to 127.0.0.1:``port`` (its workers have it as parent)."""
    needle = f"--bind=127.0.0.1:{port}".encode()
    candidates = []
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else ():
        if not entry.isdigit():
            continue
        try:
            command = open(f"/proc/{entry}/cmdline", "rb").read()  # noqa: SIM115
        except OSError:
            continue
        if needle in command.split(b"\0"):
            candidates.append(int(entry))
    # The master is the one whose parent is not another candidate.
    masters = [pid for pid in candidates if parent_pid(pid) not in candidates]
    return masters[0] if masters else None


# --- The report -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenLoopRun:
    """One fixed-rate run: its target, what it measured, how long it took and the server's CPU time."""

    label: str
    rate: float
    result: OpenLoopResult
    seconds: float
    server_cpu_seconds: float | None  # gunicorn's and PostgreSQL's; None where /proc was not readable

    @property
    def achieved(self) -> float:
        return self.result.checkouts / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms_per_checkout(self) -> float | None:
        if self.server_cpu_seconds is None or not self.result.checkouts:
            return None
        return self.server_cpu_seconds * 1000 / self.result.checkouts


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.1f}"


def open_loop_report(runs: Sequence[OpenLoopRun], *, capacity: float, place_goal_ms: float) -> str:
    """A row per run and the goal on the half-capacity run's place-order p99."""
    header = (
        "| open loop | target /s | achieved /s | checkouts | place-order p50 ms | place-order p99 ms "
        "| whole loop p99 ms | errors | late (not started) | server CPU ms per checkout |"
    )
    lines = [header, "|" + " --- |" * 10]
    for run in runs:
        result = run.result
        errors = ", ".join(f"{step} {count}" for step, count in sorted(result.errors.items())) or "0"
        lines.append(
            f"| {run.label} | {run.rate:.1f} | {run.achieved:.1f} | {result.checkouts} "
            f"| {_ms(percentile(result.place_ms, 50))} | {_ms(percentile(result.place_ms, 99))} "
            f"| {_ms(percentile(result.loop_ms, 99))} | {errors} | {result.late} "
            f"| {_ms(run.cpu_ms_per_checkout)} |"
        )
    half = next((run for run in runs if run.label == "half capacity"), None)
    place_p99 = percentile(half.result.place_ms, 99) if half else None
    verdict = "n/a" if place_p99 is None else "PASS" if place_p99 < place_goal_ms else "FAIL"
    for run in runs:
        for step, detail in sorted(run.result.first_errors.items()):
            lines.append(f"\nFirst {step} error ({run.label}): {detail}")
    return "\n".join(
        [
            *lines,
            "",
            "Goals:",
            f"- place-order p99 < {place_goal_ms:.0f} ms at half capacity ({capacity / 2:.1f}/s, from the "
            f"closed loop's {capacity:.1f}/s): {_ms(place_p99)} ms {verdict}",
        ]
    )
