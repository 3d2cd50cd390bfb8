"""A paginator for admin lists of hundreds of thousands of rows: PostgreSQL's estimate instead of COUNT(*).

An exact count reads every matching row (a million orders: a full scan on every page view).
Where the list is unfiltered, the row count PostgreSQL keeps for the table (``pg_class.reltuples``,
refreshed by VACUUM and ANALYZE) answers; where it is filtered or searched, the planner's row
estimate for the query does (EXPLAIN, which plans and reads no rows). Only when the estimate says
the answer is small is the exact COUNT run, so small lists and small results stay exact. A page
past the estimated last one (the estimate undercounted) gets the exact count before it is refused.
``count_is_estimate`` tells the page to say "about" (templates/admin/estimated_pagination.html
and estimated_search_form.html, which a model admin's pagination.html and search_form.html include).
"""

import json

from django.core.paginator import EmptyPage, Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property

# Up to this many rows (by the estimate) the exact COUNT is cheap enough, and is run.
EXACT_COUNT_LIMIT = 10_000


def queryset_count_estimate(queryset: QuerySet) -> int | None:
    """PostgreSQL's estimate of how many rows ``queryset`` returns, or None when it has none.

    An unfiltered queryset gets the table's row count as of its last VACUUM or ANALYZE (None
    before the first); a filtered one gets the planner's estimate. Reads no table rows.
    """
    connection = connections[queryset.db]
    query = queryset.query
    with connection.cursor() as cursor:
        if not query.where and not query.distinct and not query.combinator:
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                [connection.ops.quote_name(queryset.model._meta.db_table)],
            )
            row = cursor.fetchone()
            return int(row[0]) if row and row[0] >= 0 else None
        sql, params = queryset.order_by().values("pk").query.sql_with_params()
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


class EstimatedCountPaginator(Paginator):
    """Counts exactly when the estimate says the list is small, else trusts PostgreSQL's estimate.

    For the admin's ``paginator`` with ``show_full_result_count = False``: that leaves this
    count the only one a page runs.
    """

    count_is_estimate = False

    @cached_property
    def count(self) -> int:
        if not isinstance(self.object_list, QuerySet):
            return Paginator.count.func(self)
        estimate = queryset_count_estimate(self.object_list)
        if estimate is None or estimate <= EXACT_COUNT_LIMIT:
            return self.object_list.count()
        self.count_is_estimate = True
        return estimate

    def validate_number(self, number) -> int:
        # An undercounting estimate must not make real pages unreachable: count exactly, then judge.
        try:
            return super().validate_number(number)
        except EmptyPage:
            if not self.count_is_estimate:
                raise
        self.count_is_estimate = False
        self.__dict__["count"] = self.object_list.count()
        self.__dict__.pop("num_pages", None)
        return super().validate_number(number)
