"""A bulk load's indexes: dropped before the rows go in, built again in one pass after them."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, models, transaction

# Memory each index build may sort in, while the builds run.
_BUILD_MEMORY = "256MB"


@contextmanager
def secondary_indexes_deferred(model: type[models.Model]) -> Iterator[None]:
    """Drop ``model``'s table's secondary indexes for the block, and create them again on the way out.

    PostgreSQL's advice for populating a table: maintaining an index row by row
    costs far more than building it once from the finished table. Inserting a
    million products into their 15 secondary indexes wrote each index page
    many times over, and once the indexes outgrew the server's shared buffers
    each insert was a page read and a page write. Indexes that back a
    constraint (primary key, unique) stay, because the load itself needs them.
    The same definitions, under the same names, are created again, so the
    migrations' schema is unchanged.

    Must run inside a transaction (``transaction.atomic``), and works in a
    savepoint of it: the drop and the builds commit together, or roll back
    together (also when the caller catches the error), so no other connection
    ever sees the table without its indexes. The drop locks the table until
    then, so only use this to fill a table nothing else reads yet. The
    caller's statement timeout must allow a whole build.

    PostgreSQL builds no index on a table with pending trigger events, so the
    foreign keys Django defers to the commit are checked before the builds,
    then deferred again (every foreign key Django makes is DEFERRABLE
    INITIALLY DEFERRED).
    """
    if not connection.in_atomic_block:
        raise transaction.TransactionManagementError("secondary_indexes_deferred needs a transaction.")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
              FROM pg_index i
             WHERE i.indrelid = %s::regclass
               AND NOT i.indisunique
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
             ORDER BY 1
            """,
            [connection.ops.quote_name(model._meta.db_table)],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
        yield
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"SET LOCAL maintenance_work_mem = '{_BUILD_MEMORY}'")
        for _name, definition in indexes:
            cursor.execute(definition)
        cursor.execute("RESET maintenance_work_mem")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
