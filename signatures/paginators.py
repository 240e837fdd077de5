import json

from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property

# Below this many rows by the planner's estimate, counting them is quicker than a page.
COUNTED_BELOW = 10_000


class EstimatedCountPaginator(Paginator):
    """Pages of a long list that tell how many rows there are from PostgreSQL's planner rather
    than by counting them: COUNT(*) reads every matching row, a million for the whole list,
    on every page.

    A short list, or any list on another database, is counted. An estimate can be off by a
    little: the last page may come out short, or a page past it empty.
    """

    @cached_property
    def count(self):
        estimate = self._planner_estimate()
        if estimate is None or estimate < COUNTED_BELOW:
            return super().count
        return estimate

    def _planner_estimate(self) -> int | None:
        queryset = self.object_list
        connection = connections[queryset.db]
        if connection.vendor != "postgresql":
            return None
        try:
            sql, params = queryset.order_by().values("pk").query.sql_with_params()
        except EmptyResultSet:  # a search refused: nothing to estimate, nor to count
            return 0
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            plan = cursor.fetchone()[0]
        if isinstance(plan, str):
            plan = json.loads(plan)
        return int(plan[0]["Plan"]["Plan Rows"])
