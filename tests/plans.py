"""Whether PostgreSQL keeps one plan for a query a page runs on every view, or plans it again
each time (the planning can cost more than the query)."""

from django.db import connection


def runs_past_the_first_plans() -> int:
    """Runs that take a query past psycopg's threshold for preparing it and past PostgreSQL's
    first five plans, which are made with each run's values."""
    return (connection.settings_dict["OPTIONS"].get("prepare_threshold") or 0) + 8


def assert_runs_on_a_kept_plan(statement: str) -> None:
    """On PostgreSQL, the prepared statement like `statement` (a LIKE pattern) has run on the
    plan the connection keeps for it. Nothing to check on SQLite."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE %s",
            [statement],
        )
        [(generic, custom)] = cursor.fetchall()
    assert generic > 0, (generic, custom)
