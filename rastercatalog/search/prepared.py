"""Read queries as PostgreSQL prepared statements: parsed and planned once per connection.

A catalog search's page query is a kilobyte or two of SQL (the Feature's columns,
api/catalog/feature_rows.py), and parsing and planning it cost PostgreSQL more than running it
(1.3 of ~5 ms of a backend's CPU, measured). Django binds parameters on the client and never
prepares, so here the SQL is sent with server-side parameters and prepared on first use; the
next searches of that shape send only their values. The connection's `plan_cache_mode` is
`force_generic_plan` (project/settings.py): a prepared statement runs one plan whatever the values,
so only queries whose best plan does not depend on them may come here (search/area_page.py).
Django's own queries are never prepared, so the setting changes nothing for them.
"""

from __future__ import annotations

import psycopg
from django.db import InterfaceError, OperationalError, connection


class _PreparingCursor(psycopg.Cursor):
    """Server-side parameters, every statement prepared (the connection's threshold is out of
    reach), and results in binary: a page's 101 timestamps cost 0.5 ms parsed from text."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=True, binary=True)


def rows_prepared(sql: str, params: list) -> list[tuple]:
    """The rows of a query (PostgreSQL, `%s` placeholders), run as a prepared statement.

    A kept connection is not checked first, as Django's cursors check it once a request
    (CONN_HEALTH_CHECKS): that SELECT 1 is a round trip, a tenth of a search's time on a busy
    machine. A read that finds its connection broken (the server restarted) runs once more on a
    new one instead, so the first search after a restart still succeeds.
    """
    reused = connection.connection is not None
    try:
        return _rows(sql, params)
    except (OperationalError, InterfaceError):
        if not reused or connection.in_atomic_block:
            raise
        connection.close()
        return _rows(sql, params)


def _rows(sql: str, params: list) -> list[tuple]:
    connection.ensure_connection()
    connection.validate_thread_sharing()
    raw = _PreparingCursor(connection.connection)
    # Django's wrappers: its execute_wrappers (Server-Timing's db phase) and query log see it.
    logged = connection.queries_logged
    cursor = connection.make_debug_cursor(raw) if logged else connection.make_cursor(raw)
    with cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if logged:
        # The log reads the SQL of the client-side cursors only: the query with its values.
        connection.queries_log[-1]["sql"] = connection.ops.compose_sql(sql, params)
    return rows
