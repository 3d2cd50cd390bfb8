"""Tables big enough for the planner to choose as in production, filled with set-based SQL."""

from django.db import connection, transaction


def rows_clone(table: str, *, template_id: int, overrides: dict[str, str], source: str) -> None:
    """Insert one row per row of ``source`` (aliased ``n``), copying the template row's other columns.

    ``overrides`` maps a column to the SQL expression that fills it. Every column the table has is
    copied, so columns added later need no change here. Tens of thousands of rows (and the triggers
    they fire) may take longer than the shop's statement timeout on a busy machine, so the insert
    runs without one.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        columns = [
            column.name
            for column in connection.introspection.get_table_description(cursor, table)
            if column.name != "id"
        ]
        values = [overrides.get(column, f"t.{column}") for column in columns]
        cursor.execute("SET LOCAL statement_timeout = 0")
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) "
            f"SELECT {', '.join(values)} FROM {table} t, {source} WHERE t.id = %s",
            [template_id],
        )
