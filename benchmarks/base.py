"""What every benchmark section gets, and the Markdown it returns."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.test import Client

from benchmarks.server import HOST
from benchmarks.wrk import WrkOptions


@dataclass(frozen=True)
class BenchContext:
    """A running gunicorn (``port``), wrk settings, and an in-process client on the same database.

    ``bare_port``: the second gunicorn serving the truly bare baseline
    (``benchmarks.bare_settings``), when it runs.
    """

    port: int
    wrk: WrkOptions
    bare_port: int | None = None

    def url(self, path: str) -> str:
        return f"http://{HOST}:{self.port}{path}"

    @staticmethod
    def client() -> Client:
        # Errors become 500 responses in the report instead of stopping the run.
        return Client(HTTP_HOST=HOST, raise_request_exception=False)


# A section measures one thing against the running server and returns Markdown.
Section = Callable[[BenchContext], str]


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(" --- " for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)
