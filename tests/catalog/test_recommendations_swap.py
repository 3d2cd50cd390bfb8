"""Replacing the precomputed recommendations: fresh tables swapped in, one run at a time, no dead rows."""

import threading
import time

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from catalog.exceptions import RecommendationsBusy, RecommendationsNotPermitted
from catalog.models import CatalogRevision, Product, ProductPopularity, ProductRecommendation
from catalog.recommendations_build import (
    RowsQuery,
    product_recommendations_rebuild,
    product_recommendations_replace,
)
from catalog.services import CATALOG_REVISION_PK
from tests.catalog.recommendation_helpers import product, recommend
from tests.factories import CategoryFactory, ProductFactory

TABLES = [ProductRecommendation._meta.db_table, ProductPopularity._meta.db_table]


def schema() -> set[tuple[str, str, str, bool]]:
    """Every constraint and index of the two tables: (table, name, definition, validated)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), convalidated "
            "FROM pg_constraint WHERE conrelid = ANY(%s::regclass[]) "
            "UNION ALL SELECT tablename, indexname, indexdef, true FROM pg_indexes WHERE tablename = ANY(%s)",
            [TABLES, TABLES],
        )
        return set(cursor.fetchall())


def dead_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT SUM(n_dead_tup) FROM pg_stat_user_tables WHERE relname = ANY(%s)", [TABLES])
        return int(cursor.fetchone()[0])


def stored() -> list[tuple[int, int, int, int]]:
    return list(ProductRecommendation.objects.values_list("product", "recommended", "rank", "score"))


def slow_pairs(rows: list[tuple[int, int, int, int]], seconds: float) -> RowsQuery:
    """The rows, yielded only after ``seconds``: a long count, as on a big shop."""
    return RowsQuery(
        "SELECT t.* FROM pg_sleep(%(seconds)s), "
        "unnest(%(a)s::bigint[], %(b)s::bigint[], %(c)s::int[], %(d)s::int[]) AS t",
        {
            "seconds": seconds,
            **dict(zip("abcd", (list(column) for column in zip(*rows, strict=True)), strict=True)),
        },
    )


@pytest.mark.django_db
def test_the_swapped_in_tables_keep_every_constraint_and_index_name_and_bump_the_revision_once(
    django_capture_on_commit_callbacks,
):
    tea = CategoryFactory()
    sencha, matcha, oolong = (product(name, category=tea) for name in ("Sencha", "Matcha", "Oolong"))
    before = schema()
    revision = CatalogRevision.objects.get(pk=CATALOG_REVISION_PK).number

    recommend({sencha: [matcha, oolong], matcha: [sencha]}, popularity={sencha: 4, oolong: 1})
    with django_capture_on_commit_callbacks(execute=True):
        recommend({oolong: [sencha]}, popularity={matcha: 2})

    assert schema() == before
    assert CatalogRevision.objects.get(pk=CATALOG_REVISION_PK).number == revision + 1
    assert stored() == [(oolong.pk, sencha.pk, 1, 9)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM pg_class WHERE relname LIKE %s", ["catalog_product%_fresh%"])
        assert cursor.fetchone()[0] == 0


@pytest.mark.django_db(transaction=True)
def test_a_second_run_leaves_no_dead_rows():
    tea = CategoryFactory()
    items = [product(f"Tea {number}", category=tea) for number in range(30)]
    rows = [(a.pk, b.pk, rank, 5) for a in items for rank, b in enumerate((b for b in items if b != a), 1)]
    sales = [(item.pk, 3, 2) for item in items]
    product_recommendations_replace(pairs=rows, popularity=sales)

    product_recommendations_replace(pairs=rows, popularity=sales)

    assert ProductRecommendation.objects.count() == 30 * 29
    assert dead_rows() == 0


@pytest.mark.django_db(transaction=True)
def test_readers_see_the_old_set_until_the_run_commits_and_a_second_run_meanwhile_changes_nothing():
    tea = CategoryFactory()
    sencha, matcha, oolong = (product(name, category=tea) for name in ("Sencha", "Matcha", "Oolong"))
    recommend({sencha: [matcha]})
    new_rows = [(sencha.pk, oolong.pk, 1, 7), (oolong.pk, sencha.pk, 1, 7)]
    outcomes = []

    def run(pairs: RowsQuery) -> None:
        try:
            product_recommendations_rebuild(
                pairs=pairs, popularity=RowsQuery("SELECT 1, 1, 1 WHERE false", {})
            )
            outcomes.append("replaced")
        except RecommendationsBusy:
            outcomes.append("busy")
        finally:
            connection.close()

    slow = threading.Thread(target=run, args=(slow_pairs(new_rows, 1.5),))
    slow.start()
    time.sleep(0.5)
    during = stored()
    second = threading.Thread(target=run, args=(slow_pairs([(matcha.pk, sencha.pk, 1, 1)], 0),))
    second.start()
    second.join()
    slow.join()

    assert during == [(sencha.pk, matcha.pk, 1, 9)]
    assert outcomes == ["busy", "replaced"]
    assert sorted(stored()) == sorted(new_rows)


@pytest.mark.django_db(transaction=True)
def test_compute_recommendations_command_stops_with_a_message_while_another_run_is_at_work():
    tea = CategoryFactory()
    sencha, matcha = product("Sencha", category=tea), product("Matcha", category=tea)
    recommend({sencha: [matcha]})

    def run() -> None:
        try:
            product_recommendations_rebuild(
                pairs=slow_pairs([(matcha.pk, sencha.pk, 1, 3)], 1.5),
                popularity=RowsQuery("SELECT 1, 1, 1 WHERE false", {}),
            )
        finally:
            connection.close()

    slow = threading.Thread(target=run)
    slow.start()
    time.sleep(0.5)
    with pytest.raises(CommandError, match="Another compute_recommendations run is at work"):
        call_command("compute_recommendations")
    during = stored()
    slow.join()

    assert during == [(sencha.pk, matcha.pk, 1, 9)]
    assert stored() == [(matcha.pk, sencha.pk, 1, 3)]


def pair_rows(*pairs) -> list[tuple[int, int, int, int]]:
    return [(a.pk, b.pk, 1, 5) for a, b in pairs]


def in_other_connection(work) -> object:
    """Run ``work()`` on a connection of its own (a thread), as another worker would; its result."""
    outcome = []

    def run() -> None:
        try:
            outcome.append(work())
        except Exception as exc:  # the test reads what went wrong
            outcome.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return outcome[0]


def foreign_keys_validated() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT bool_and(convalidated) FROM pg_constraint "
            "WHERE conrelid = ANY(%s::regclass[]) AND contype = 'f'",
            [TABLES],
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_a_role_granted_select_on_the_tables_keeps_it_and_the_owner_stays_after_a_rebuild():
    tea = CategoryFactory()
    sencha, matcha = product("Sencha", category=tea), product("Matcha", category=tea)
    with connection.cursor() as cursor:
        cursor.execute("CREATE ROLE shop_reporting_test NOLOGIN")
        for table in TABLES:
            cursor.execute(f"GRANT SELECT ON {table} TO shop_reporting_test")
        cursor.execute("SELECT relname, relowner FROM pg_class WHERE relname = ANY(%s) ORDER BY 1", [TABLES])
        owners = cursor.fetchall()

    recommend({sencha: [matcha]}, popularity={sencha: 2})

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT has_table_privilege('shop_reporting_test', t, 'SELECT'), "
            "has_table_privilege('shop_reporting_test', t, 'INSERT') FROM unnest(%s::text[]) AS t",
            [TABLES],
        )
        assert cursor.fetchall() == [(True, False), (True, False)]
        cursor.execute("SELECT relname, relowner FROM pg_class WHERE relname = ANY(%s) ORDER BY 1", [TABLES])
        assert cursor.fetchall() == owners


@pytest.mark.django_db
def test_a_role_that_cannot_keep_the_owner_is_refused_before_anything_changes():
    tea = CategoryFactory()
    sencha, matcha = product("Sencha", category=tea), product("Matcha", category=tea)
    recommend({sencha: [matcha]})
    with connection.cursor() as cursor:
        cursor.execute("CREATE ROLE shop_owner_test NOLOGIN")
        cursor.execute("CREATE ROLE shop_job_test NOLOGIN")
        cursor.execute(f"ALTER TABLE {TABLES[0]} OWNER TO shop_owner_test")
        cursor.execute("SET ROLE shop_job_test")
    try:
        with pytest.raises(
            RecommendationsNotPermitted, match=r"belongs to \w+: run compute_recommendations as"
        ):
            product_recommendations_replace(pairs=pair_rows((matcha, sencha)), popularity=[])
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")

    assert stored() == [(sencha.pk, matcha.pk, 1, 9)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM pg_class WHERE relname LIKE %s", ["catalog_product%_fresh%"])
        assert cursor.fetchone()[0] == 0


@pytest.mark.django_db(transaction=True)
def test_product_updates_from_another_worker_are_not_blocked_while_the_rebuild_checks_references():
    tea = CategoryFactory()
    sencha, matcha = product("Sencha", category=tea), product("Matcha", category=tea)
    recommend({sencha: [matcha]}, popularity={sencha: 1})

    def update_stock_flag() -> str:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '200ms'")
            Product.objects.filter(pk=matcha.pk).update(name="Matcha (updated)")
        return "updated"

    phases = []

    def during(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if "VALIDATE CONSTRAINT" in sql or (sql.startswith("DELETE FROM") and "_fresh" in sql):
            phases.append((sql.split()[0], in_other_connection(update_stock_flag)))
        return result

    with connection.execute_wrapper(during):
        product_recommendations_replace(pairs=pair_rows((matcha, sencha)), popularity=[(matcha.pk, 3, 3)])

    assert {phase for phase, _ in phases} == {"DELETE", "ALTER"}
    assert all(outcome == "updated" for _, outcome in phases), phases
    assert stored() == [(matcha.pk, sencha.pk, 1, 5)]
    assert foreign_keys_validated()


@pytest.mark.django_db(transaction=True)
def test_a_product_deleted_during_the_rebuild_leaves_no_rows_naming_it():
    tea = CategoryFactory()
    sencha, matcha = product("Sencha", category=tea), product("Matcha", category=tea)
    doomed, bare = product("Hojicha", category=tea), ProductFactory(category=tea)
    recommend({sencha: [matcha, doomed]}, popularity={doomed: 1})

    def delete_doomed() -> None:
        time.sleep(0.3)
        Product.objects.filter(pk=doomed.pk).delete()

    def delete_bare_behind_the_orm(execute, sql, params, many, context):
        if "NOT VALID" in sql and "ADD CONSTRAINT" in sql and not deleted:
            deleted.append(
                in_other_connection(lambda: Product.objects.filter(pk=bare.pk)._raw_delete("default"))
            )
        return execute(sql, params, many, context)

    deleted = []
    rows = [*pair_rows((sencha, doomed), (doomed, matcha), (matcha, bare)), (sencha.pk, matcha.pk, 2, 5)]
    remover = threading.Thread(target=lambda: (delete_doomed(), connection.close()))
    remover.start()
    with connection.execute_wrapper(delete_bare_behind_the_orm):
        product_recommendations_rebuild(
            pairs=slow_pairs(rows, 1.0),
            popularity=RowsQuery("SELECT %(a)s::bigint, 2, 2", {"a": doomed.pk}),
        )
    remover.join()

    assert deleted == [1]
    assert stored() == [(sencha.pk, matcha.pk, 2, 5)]
    assert ProductPopularity.objects.count() == 0
    assert foreign_keys_validated()
