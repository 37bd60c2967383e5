"""Requests sent at the same moment: real threads, each with its own database connection
and test client, released together by a barrier. PostgreSQL only: SQLite runs one writer
at a time, so these races cannot happen there."""

import threading
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client


def skip_unless_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so this race cannot happen")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def together(*calls: Callable[[], object]) -> list[object]:
    """Run the calls at once, one thread each; return what each returned (or raised)."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            results[index] = call()
        # A 500 raises in the test client: keep it as the result, so the test says which.
        except Exception as exc:  # noqa: BLE001
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return results


def statuses(results: list[object]) -> list[object]:
    """Each response's status code, or the exception a request raised, in order."""
    return [getattr(result, "status_code", result) for result in results]
