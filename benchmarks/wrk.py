"""Running wrk (the HTTP load generator) and reading its report."""

import re
import shutil
import subprocess
from dataclasses import dataclass

# wrk prints durations with these units.
_MILLISECONDS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
_DURATION = r"([\d.]+)(us|ms|s|m)\b"


class WrkError(RuntimeError):
    """wrk is missing, failed, or printed a report we cannot read."""


@dataclass(frozen=True)
class WrkOptions:
    threads: int = 2
    connections: int = 8
    duration: int = 10  # seconds measured, per page
    warmup: int = 2  # seconds of load before measuring, per page


@dataclass(frozen=True)
class WrkResult:
    requests: int
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    non_2xx: int  # responses that were neither 2xx nor 3xx
    socket_errors: int  # connect, read, write and timeout errors


def _duration_ms(value: str, unit: str) -> float:
    return float(value) * _MILLISECONDS[unit]


def wrk_parse(output: str) -> WrkResult:
    """Read the report of ``wrk --latency``; raises WrkError if it lacks a figure we need."""

    def find(pattern: str) -> re.Match:
        match = re.search(pattern, output, re.MULTILINE)
        if match is None:
            raise WrkError(f"wrk output lacks {pattern!r}:\n{output}")
        return match

    p50 = find(rf"^\s*50(?:\.0+)?%\s+{_DURATION}")
    p99 = find(rf"^\s*99(?:\.0+)?%\s+{_DURATION}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return WrkResult(
        requests=int(find(r"(\d+) requests in").group(1)),
        requests_per_second=float(find(r"Requests/sec:\s+([\d.]+)").group(1)),
        p50_ms=_duration_ms(*p50.groups()),
        p99_ms=_duration_ms(*p99.groups()),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(count) for count in errors.groups()) if errors else 0,
    )


def wrk_executable() -> str:
    """The path of wrk; raises WrkError saying how to install it."""
    executable = shutil.which("wrk")
    if executable is None:
        raise WrkError("wrk is not installed: `make bench` installs it, or run `apt-get install wrk`.")
    return executable


def wrk_run(url: str, *, options: WrkOptions, seconds: int, latency: bool = True) -> str:
    """Load ``url`` for ``seconds`` and return wrk's report; bounded by a timeout."""
    command = [
        wrk_executable(),
        f"-t{options.threads}",
        f"-c{options.connections}",
        f"-d{seconds}s",
        "--timeout",
        "5s",
        *(["--latency"] if latency else []),
        url,
    ]
    try:
        completed = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30, check=False)
    except subprocess.TimeoutExpired as exc:
        raise WrkError(f"wrk did not finish: {' '.join(command)}") from exc
    if completed.returncode != 0:
        raise WrkError(f"wrk failed ({completed.returncode}): {completed.stderr or completed.stdout}")
    return completed.stdout


def wrk_measure(url: str, *, options: WrkOptions) -> WrkResult:
    """Warm ``url`` up, then measure it."""
    if options.warmup:
        wrk_run(url, options=options, seconds=options.warmup, latency=False)
    return wrk_parse(wrk_run(url, options=options, seconds=options.duration))
