"""A bulk load's indexes: dropped before the rows go in, built again in one pass after them."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, models, transaction

# Memory each index build may sort in, for the rest of the loading transaction only.
_BUILD_MEMORY = "256MB"


@contextmanager
def secondary_indexes_deferred(model: type[models.Model]) -> Iterator[list[str]]:
    """Drop ``model``'s table's secondary indexes, yield their names, and create them again on the way out.

    PostgreSQL's advice for populating a table: maintaining an index row by row
    costs far more than building it once from the finished table. Inserting a
    million products into their fourteen secondary indexes wrote each index
    page many times over, and once the indexes outgrew the server's shared
    buffers each insert was a page read and a page write. Indexes that back a
    constraint (primary key, unique) stay, because the load itself needs them.
    The same definitions, under the same names, are created again, so the
    migrations' schema is unchanged.

    Must run inside a transaction (``transaction.atomic``): the drop and the
    builds commit together, or roll back together, so no other connection ever
    sees the table without its indexes. The drop locks the table until then,
    so only use this to fill a table nothing else reads yet. Before the
    builds, the foreign keys deferred to the commit are checked (see below).
    """
    if not connection.in_atomic_block:
        raise transaction.TransactionManagementError("secondary_indexes_deferred needs a transaction.")
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
              FROM pg_index i
             WHERE i.indrelid = %s::regclass
               AND NOT i.indisprimary AND NOT i.indisunique
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
             ORDER BY 1
            """,
            [table],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
    yield [name for name, _definition in indexes]
    with connection.cursor() as cursor:
        # PostgreSQL builds no index on a table with pending trigger events: the foreign keys
        # Django defers to the commit are checked now, and any later statement's at once.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"SET LOCAL maintenance_work_mem = '{_BUILD_MEMORY}'")
        # A build reads the whole table, which can take longer than the limit that guards requests.
        cursor.execute("SET LOCAL statement_timeout = 0")
        for _name, definition in indexes:
            cursor.execute(definition)
