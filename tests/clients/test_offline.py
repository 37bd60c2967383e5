"""The service worker's script at the root, its "no connection" page, and the parts of
Today that the offline quick log fills in (static/js/tandem.js and sw.js; the browser test
is tests/e2e/test_offline_journey.py)."""

import json
import re

import pytest
from django.templatetags.static import static
from django.urls import reverse

from clients import offline

pytestmark = pytest.mark.django_db


def worker_settings(response) -> dict:
    first_line = response.content.decode().split("\n", 1)[0]
    assert first_line.startswith("const TANDEM = ") and first_line.endswith(";")
    return json.loads(first_line.removeprefix("const TANDEM = ").removesuffix(";"))


def test_the_worker_is_served_at_the_root_for_the_whole_site(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"]
    assert 'addEventListener("fetch"' in response.content.decode()


def test_the_worker_keeps_the_files_pages_load_by_the_names_they_are_served_under(client):
    config = worker_settings(client.get("/sw.js"))
    assert config["shell"] == [static(name) for name in offline.SHELL]
    assert static("js/tandem.js") in config["shell"] and static("css/tandem.css") in config["shell"]
    assert config["today"] == reverse("client_home") == "/client/"
    # Where to find help now is kept on the phone, for a person in crisis with no signal.
    assert set(config["pages"]) == {"/help-now/", "/help/", "/offline/"}
    assert len(config["version"]) == 12


def test_in_production_the_worker_keeps_the_hashed_files_the_pages_load(settings, tmp_path):
    """With the manifest storage of production (hashed names, as `collectstatic` writes
    them), the worker names the very files the pages load."""
    hashed = {name: name.replace(".", ".0123456789ab.", 1) for name in offline.SHELL}
    (tmp_path / "staticfiles.json").write_text(json.dumps({"paths": hashed, "version": "1.1"}))
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    config = offline.worker_settings()
    assert config["shell"] == [f"/static/{hashed[name]}" for name in offline.SHELL]
    assert config["shell"][1] == static("js/tandem.js") == "/static/js/tandem.0123456789ab.js"
    assert config["static"] == "/static/"


def test_the_worker_names_nobody(client, personas):
    client.force_login(personas.client_a)
    body = client.get("/sw.js").content.decode()
    for detail in (
        personas.client_a.email,
        personas.client_a.name,
        str(personas.client_a.public_id),
    ):
        assert detail not in body


def test_the_offline_page_leads_to_today_and_to_help(client, personas):
    client.force_login(personas.client_a)
    response = client.get(reverse("offline"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "You are offline" in page
    assert f'href="{reverse("client_home")}"' in page
    assert f'href="{reverse("crisis")}"' in page


def test_a_clients_pages_name_the_worker_and_whose_they_are(client, personas):
    client.force_login(personas.client_a)
    page = client.get(reverse("client_home")).content.decode()
    assert 'data-offline="/sw.js"' in page
    assert f'data-user="{personas.client_a.public_id}"' in page
    assert f'data-zone="{personas.client_a.timezone}"' in page


@pytest.mark.parametrize("persona", ["therapist_a", "staff", None])
def test_nobody_else_gets_the_worker(client, personas, persona):
    if persona:
        client.force_login(getattr(personas, persona))
    page = client.get(reverse("help") if persona else reverse("account_login")).content.decode()
    assert "data-offline=" not in page


def test_today_carries_the_offline_parts_hidden_until_needed(client, personas):
    client.force_login(personas.client_a)
    page = client.get(reverse("client_home")).content.decode()
    assert re.search(r"<div [^>]*data-offline-banner hidden>", page)
    assert "Offline — saved on this phone, sent when you are back" in page
    assert re.search(r'<section [^>]*data-offline-queue data-today="/client/" hidden>', page)
    for kind in ("journal", "lifestyle"):
        assert f'data-quick="{kind}" data-api="{reverse(f"api-{kind}-list")}"' in page


def test_the_sign_out_form_is_marked_for_the_offline_part(client, personas):
    client.force_login(personas.client_a)
    page = client.get(reverse("client_home")).content.decode()
    assert f'action="{reverse("account_logout")}" data-sign-out' in page
