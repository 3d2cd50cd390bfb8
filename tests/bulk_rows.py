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


def catalogue_rows_delete(category_ids: list[int], *, popularity: bool = False) -> None:
    """Delete these categories and every product, variant and image in them, committed.

    For module fixtures that built and committed a big catalogue. Without triggers (replica
    role): the rows go all at once and nothing is left to keep up to date. ``popularity``
    empties the bestseller figures too.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        if popularity:
            cursor.execute("DELETE FROM catalog_productpopularity")
        for table in ("catalog_productimage", "catalog_variant"):
            cursor.execute(
                f"DELETE FROM {table} WHERE product_id IN "
                "(SELECT id FROM catalog_product WHERE category_id = ANY(%s))",
                [category_ids],
            )
        cursor.execute("DELETE FROM catalog_product WHERE category_id = ANY(%s)", [category_ids])
        cursor.execute("DELETE FROM catalog_category WHERE id = ANY(%s)", [category_ids])
