import pytest
from django.db import OperationalError

from config import health

pytestmark = pytest.mark.django_db


def test_it_reports_healthy_database_and_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}
    assert "no-store" in response["Cache-Control"]


def test_an_unreachable_broker_answers_503_naming_it(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["broker"]
    assert body["checks"]["database"] == "ok"


def test_a_failing_database_answers_503_naming_it(client, monkeypatch):
    def broken():
        raise OperationalError("connection refused")

    monkeypatch.setitem(health.CHECKS, "database", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["database"]
    assert "connection refused" not in response.content.decode()


def test_it_only_answers_get(client):
    assert client.post("/healthz").status_code == 405
