"""Also bought: the precomputed tables, rebuilt in fresh tables and swapped in.

Orders counts co-purchases in paid orders and hands catalog the query that
yields the rows (catalog knows no orders); ``product_recommendations_rebuild``
runs it into fresh tables and swaps them in (see docs/architecture.md,
"Recommendations: fresh tables swapped in").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction

from catalog.exceptions import RecommendationsBusy, RecommendationsNotPermitted
from catalog.models import Product, ProductPopularity, ProductRecommendation
from catalog.services import catalog_mark_changed

# Each run builds both tables afresh under other names in one transaction and swaps them in at its
# end, so readers see the old complete set until the commit, then the new one; no row is ever
# updated or deleted, so no run leaves dead rows behind, and every constraint is checked once, over
# the whole table, instead of once per row.

# Arbitrary, fixed: the advisory lock that lets one run at a time replace the tables.
_LOCK_KEY = 7_215_021
# A batch job, not a page: room for its sorts and hashes in memory, and more time than the
# statement timeout that guards web requests.
_WORK_MEM = "256MB"
_STATEMENT_TIMEOUT = "10min"
# Waiting this long for the short exclusive locks of the swap fails the run rather than make every
# reader queue behind it (a reader blocked by a long transaction would otherwise wait for it too).
_LOCK_TIMEOUT = "5s"
_PAIR_COLUMNS = ("product_id", "recommended_id", "rank", "score")
_POPULARITY_COLUMNS = ("product_id", "units_sold", "order_count")


@dataclass(frozen=True)
class RowsQuery:
    """A SELECT run by PostgreSQL whose columns are the table's, in order; ``%(name)s`` parameters."""

    sql: str
    params: Mapping[str, object]


@dataclass(frozen=True)
class RecommendationsReplaced:
    """What ``product_recommendations_rebuild`` stored."""

    pairs: int
    products: int
    popular_products: int


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _table(model: type) -> str:
    return _quote(model._meta.db_table)


@dataclass(frozen=True)
class _Fresh:
    """A model's table built afresh under another name, and what it must be renamed to at the swap."""

    model: type
    name: str
    renames: list[tuple[str, str, str]]  # (kind: constraint | index | sequence, fresh name, final name)
    foreign_keys: list[tuple[str, str]]  # (fresh name, definition), added once the rows are final


def _fresh_create(cursor, model: type) -> _Fresh:
    """An empty copy of ``model``'s table: columns, defaults, identity and checks, nothing else yet."""
    table = model._meta.db_table
    fresh = f"{table}_fresh"
    cursor.execute(f"DROP TABLE IF EXISTS {_quote(fresh)}")
    cursor.execute(
        f"CREATE TABLE {_quote(fresh)} (LIKE {_quote(table)} "
        "INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING IDENTITY INCLUDING CONSTRAINTS)"
    )
    _fresh_grant(cursor, table=table, fresh=fresh)
    return _Fresh(model=model, name=fresh, renames=[], foreign_keys=[])


def _owners_check(cursor, models: Sequence[type]) -> None:
    """Raise ``RecommendationsNotPermitted`` unless this role may hand a table to each live table's owner.

    Checked before anything is created, so a run that could not keep the owner changes nothing.
    """
    cursor.execute(
        "SELECT relname, pg_get_userbyid(relowner), pg_has_role(current_user, relowner, 'MEMBER') "
        "FROM pg_class WHERE oid = ANY(%s::regclass[]) ORDER BY relname",
        [[_table(model) for model in models]],
    )
    for table, owner, member in cursor.fetchall():
        if not member:
            raise RecommendationsNotPermitted(
                f"{table} belongs to {owner}: run compute_recommendations as that role or a member of it, "
                "so the tables swapped in keep their owner."
            )


def _fresh_grant(cursor, *, table: str, fresh: str) -> None:
    """Give the copy the live table's owner and every privilege granted on it (LIKE copies neither)."""
    cursor.execute(
        "SELECT quote_ident(pg_get_userbyid(relowner)) FROM pg_class WHERE oid = %s::regclass",
        [_quote(table)],
    )
    (owner,) = cursor.fetchone()
    cursor.execute(f"ALTER TABLE {_quote(fresh)} OWNER TO {owner}")
    cursor.execute(
        "SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END, "
        "a.privilege_type, a.is_grantable "
        "FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a "
        "WHERE c.oid = %s::regclass AND a.grantee <> c.relowner ORDER BY 1, 2",
        [_quote(table)],
    )
    for grantee, privilege, grantable in cursor.fetchall():
        option = " WITH GRANT OPTION" if grantable else ""
        cursor.execute(f"GRANT {privilege} ON {_quote(fresh)} TO {grantee}{option}")


def _fresh_index(cursor, fresh: _Fresh) -> None:
    """Give the filled copy the live table's keys, unique constraints and indexes, built in bulk.

    Definitions are read from the live table, so the copy is what the migrations made, and the
    names become the live ones at the swap (later migrations find them by name).
    """
    table = fresh.model._meta.db_table
    cursor.execute(
        "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype IN ('p', 'u', 'f', 'x') ORDER BY conname",
        [_quote(table)],
    )
    for number, (name, kind, definition) in enumerate(cursor.fetchall()):
        temporary = f"{fresh.name}_c{number}"
        fresh.renames.append(("constraint", temporary, name))
        if kind == "f":
            fresh.foreign_keys.append((temporary, definition))
        else:
            cursor.execute(
                f"ALTER TABLE {_quote(fresh.name)} ADD CONSTRAINT {_quote(temporary)} {definition}"
            )
    cursor.execute(
        "SELECT index.relname, pg_get_indexdef(i.indexrelid), i.indisunique FROM pg_index i "
        "JOIN pg_class index ON index.oid = i.indexrelid "
        "WHERE i.indrelid = %s::regclass "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) "
        "ORDER BY index.relname",
        [_quote(table)],
    )
    for number, (name, definition, unique) in enumerate(cursor.fetchall()):
        temporary = f"{fresh.name}_i{number}"
        method_and_columns = definition.split(" USING ", 1)[1]
        cursor.execute(
            f"CREATE {'UNIQUE ' if unique else ''}INDEX {_quote(temporary)} "
            f"ON {_quote(fresh.name)} USING {method_and_columns}"
        )
        fresh.renames.append(("index", temporary, name))
    if fresh.model._meta.pk.get_internal_type() in ("AutoField", "BigAutoField", "SmallAutoField"):
        column = fresh.model._meta.pk.column
        cursor.execute(
            "SELECT pg_get_serial_sequence(%s, %s), pg_get_serial_sequence(%s, %s)",
            [_quote(table), column, _quote(fresh.name), column],
        )
        live_sequence, fresh_sequence = cursor.fetchone()
        fresh.renames.append(("sequence", fresh_sequence, live_sequence.rsplit(".", 1)[-1]))
    cursor.execute(f"ANALYZE {_quote(fresh.name)}")


def _fresh_drop_orphans(cursor, fresh: _Fresh) -> None:
    """Drop rows naming products deleted since the rows were counted; reads the products, locks none.

    Runs once the live tables are held in ``SHARE`` mode: a product's deletion deletes its rows
    there first, so it waits, and no product can go between this clean-up and the swap.
    """
    for field in fresh.model._meta.concrete_fields:
        if field.is_relation:
            target = field.target_field
            cursor.execute(
                f"DELETE FROM {_quote(fresh.name)} AS fresh WHERE NOT EXISTS "
                f"(SELECT 1 FROM {_table(target.model)} AS target "
                f"WHERE target.{_quote(target.column)} = fresh.{_quote(field.column)})"
            )


def _fresh_add_foreign_keys(cursor, fresh: _Fresh) -> None:
    """Add the foreign keys ``NOT VALID``: no scan, so the products' lock it takes is held only to the commit.

    ``_foreign_keys_validate`` checks them over the whole table after the swap.
    """
    for name, definition in fresh.foreign_keys:
        checked = definition.removesuffix(" NOT VALID")
        cursor.execute(f"ALTER TABLE {_quote(fresh.name)} ADD CONSTRAINT {_quote(name)} {checked} NOT VALID")


def _fresh_swap_in(cursor, fresh: _Fresh) -> None:
    """Drop the live table and give the copy its name and its constraints', indexes' and sequence's."""
    table = fresh.model._meta.db_table
    cursor.execute(f"DROP TABLE {_quote(table)}")
    cursor.execute(f"ALTER TABLE {_quote(fresh.name)} RENAME TO {_quote(table)}")
    for kind, temporary, final in fresh.renames:
        if kind == "constraint":
            cursor.execute(
                f"ALTER TABLE {_quote(table)} RENAME CONSTRAINT {_quote(temporary)} TO {_quote(final)}"
            )
        elif kind == "index":
            cursor.execute(f"ALTER INDEX {_quote(temporary)} RENAME TO {_quote(final)}")
        else:
            cursor.execute(f"ALTER SEQUENCE {temporary} RENAME TO {_quote(final)}")


def product_recommendations_rebuild(*, pairs: RowsQuery, popularity: RowsQuery) -> RecommendationsReplaced:
    """Replace both precomputed tables with what two queries yield, swapping in freshly built tables.

    ``pairs`` yields ``(product_id, recommended_id, rank, score)``, rank 1 the best per product;
    ``popularity`` yields ``(product_id, units_sold, order_count)``. Both run inside PostgreSQL
    straight into new tables (no row passes through Python), which get the live tables' owner,
    grants, keys and indexes and replace them at the end under a short exclusive lock; the foreign
    keys are then validated set-based in a second transaction that blocks no product write.
    Readers see the old rows until the commit, then the new ones; no dead rows are left. Rows
    naming a product deleted meanwhile are dropped. Bumps the catalogue revision once.

    One run at a time (a transaction-level advisory lock): raises ``RecommendationsBusy`` at once
    when another run holds it. Raises ``RecommendationsNotPermitted`` (and changes nothing) when
    this role cannot give the new tables the live tables' owner, ``IntegrityError`` (and changes
    nothing) for rows that break the tables' constraints, ``OperationalError`` when the swap's
    locks are not granted within ``_LOCK_TIMEOUT``. Must not run inside a transaction.
    """
    replaced = _rebuild_and_swap(pairs=pairs, popularity=popularity)
    _foreign_keys_validate()
    return replaced


@transaction.atomic(durable=True)
def _rebuild_and_swap(*, pairs: RowsQuery, popularity: RowsQuery) -> RecommendationsReplaced:
    models = (ProductRecommendation, ProductPopularity)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_LOCK_KEY])
        if not cursor.fetchone()[0]:
            raise RecommendationsBusy("Recommendations are being recomputed by another run; try again later.")
        _owners_check(cursor, models)
        cursor.execute(f"SET LOCAL work_mem = '{_WORK_MEM}'")
        cursor.execute(f"SET LOCAL statement_timeout = '{_STATEMENT_TIMEOUT}'")
        built = []
        for model, columns, source in zip(
            models, (_PAIR_COLUMNS, _POPULARITY_COLUMNS), (pairs, popularity), strict=True
        ):
            fresh = _fresh_create(cursor, model)
            names = ", ".join(columns)
            cursor.execute(
                f"INSERT INTO {_quote(fresh.name)} ({names}) "
                f"SELECT {names} FROM ({source.sql}) AS source({names})",
                source.params,
            )
            _fresh_index(cursor, fresh)
            built.append(fresh)
        cursor.execute(f"SET LOCAL lock_timeout = '{_LOCK_TIMEOUT}'")
        # Lock order as a product's deletion takes it (its recommendations, then the product).
        # SHARE on the live tables keeps product deletions out (they delete these rows first) while
        # readers, and product updates, go on; the products are locked only by the foreign keys
        # added below, from there to the commit: no scan runs in between.
        live = f"{_table(ProductRecommendation)}, {_table(ProductPopularity)}"
        cursor.execute(f"LOCK TABLE {live} IN SHARE MODE")
        for fresh in built:
            _fresh_drop_orphans(cursor, fresh)
        recommendations, popular = built
        cursor.execute(f"SELECT COUNT(*), COUNT(DISTINCT product_id) FROM {_quote(recommendations.name)}")
        stored_pairs, products = cursor.fetchone()
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(popular.name)}")
        (stored_popular,) = cursor.fetchone()
        for fresh in built:
            _fresh_add_foreign_keys(cursor, fresh)
        cursor.execute(f"LOCK TABLE {live} IN ACCESS EXCLUSIVE MODE")
        for fresh in built:
            _fresh_swap_in(cursor, fresh)
    catalog_mark_changed()
    return RecommendationsReplaced(pairs=stored_pairs, products=products, popular_products=stored_popular)


def _foreign_keys_validate() -> None:
    """Validate the live tables' foreign keys left ``NOT VALID`` by a swap, each in one scan.

    ``VALIDATE CONSTRAINT`` takes ``SHARE UPDATE EXCLUSIVE`` on the table (readers and writers
    go on) and ``ROW SHARE`` on the products (their updates and deletions go on). A row naming a
    product deleted by raw SQL, which ``_fresh_drop_orphans`` cannot keep out, is deleted before
    validating again. When another run holds the advisory lock, its own validation does this.
    """
    models = (ProductRecommendation, ProductPopularity)
    with transaction.atomic(durable=True), connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_LOCK_KEY])
        if not cursor.fetchone()[0]:
            return
        cursor.execute(f"SET LOCAL statement_timeout = '{_STATEMENT_TIMEOUT}'")
        cursor.execute(f"SET LOCAL work_mem = '{_WORK_MEM}'")
        cursor.execute(f"SET LOCAL lock_timeout = '{_LOCK_TIMEOUT}'")
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, a.attname FROM pg_constraint c "
            "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
            "WHERE c.conrelid = ANY(%s::regclass[]) AND c.contype = 'f' AND NOT c.convalidated ORDER BY 1, 2",
            [[_table(model) for model in models]],
        )
        for table, name, column in cursor.fetchall():
            validate = f"ALTER TABLE {_quote(table)} VALIDATE CONSTRAINT {_quote(name)}"
            try:
                with transaction.atomic():
                    cursor.execute(validate)
            except IntegrityError:
                cursor.execute(
                    f"DELETE FROM {_quote(table)} AS live WHERE NOT EXISTS "
                    f"(SELECT 1 FROM {_table(Product)} AS product "
                    f"WHERE product.{_quote(Product._meta.pk.column)} = live.{_quote(column)})"
                )
                cursor.execute(validate)


def product_recommendations_replace(
    *,
    pairs: Sequence[tuple[int, int, int, int]],
    popularity: Sequence[tuple[int, int, int]],
) -> RecommendationsReplaced:
    """Replace both precomputed tables with the given rows (``product_recommendations_rebuild``\'s contract).

    For rows made in Python (tests, imports); the nightly run hands over a query instead.
    """
    return product_recommendations_rebuild(
        pairs=RowsQuery(
            "SELECT * FROM unnest(%(a)s::bigint[], %(b)s::bigint[], %(c)s::int[], %(d)s::int[]) "
            "AS t(product_id, recommended_id, rank, score)",
            dict(zip("abcd", _columns(pairs, 4), strict=True)),
        ),
        popularity=RowsQuery(
            "SELECT * FROM unnest(%(a)s::bigint[], %(b)s::int[], %(c)s::int[]) "
            "AS t(product_id, units_sold, order_count)",
            dict(zip("abc", _columns(popularity, 3), strict=True)),
        ),
    )


def _columns(rows: Sequence[tuple], width: int) -> list[list]:
    return [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in range(width)]
