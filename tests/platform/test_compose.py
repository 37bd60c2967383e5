"""The docker-compose stack: valid, complete, and wired the way production needs it."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / "platform" / "env.example"
DJANGO_SERVICES = ("web", "worker", "beat")
REQUIRED_SECRETS = {"DJANGO_SECRET_KEY": "test-secret", "POSTGRES_PASSWORD": "test-password"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def documented_names() -> set[str]:
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", ENV_EXAMPLE.read_text(), re.MULTILINE))


def command_text(service: dict) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else command


def environment_names(service: dict) -> set[str]:
    environment = service.get("environment") or {}
    if isinstance(environment, dict):
        return set(environment)
    return {item.split("=", 1)[0] for item in environment}


def run_compose_config(tmp_path: Path, extra_env: dict[str, str]):
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.fail(
            "docker-compose is not installed: install Debian's `docker-compose` package "
            "(it validates docker-compose.yml without a Docker engine)"
        )
    # An empty env file, so a developer's own .env cannot change the outcome.
    empty_env_file = tmp_path / "empty.env"
    empty_env_file.write_text("")
    env = {k: v for k, v in os.environ.items() if k not in REQUIRED_SECRETS}
    env.update(extra_env)
    return subprocess.run(
        [binary, "--env-file", str(empty_env_file), "-f", str(COMPOSE_FILE), "config"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_it_is_accepted_by_docker_compose(tmp_path):
    result = run_compose_config(tmp_path, REQUIRED_SECRETS)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("missing", sorted(REQUIRED_SECRETS))
def test_it_refuses_to_start_without_the_secrets(tmp_path, missing):
    given = {k: v for k, v in REQUIRED_SECRETS.items() if k != missing}
    result = run_compose_config(tmp_path, given)
    assert result.returncode != 0
    assert missing in result.stderr


def test_it_has_every_service(services):
    expected = {"web", "worker", "beat", "postgres", "redis", "mailpit", "nginx"}
    assert expected <= set(services)


def test_it_runs_web_worker_and_beat_from_one_image(services):
    builds = [services[name]["build"] for name in DJANGO_SERVICES]
    images = [services[name]["image"] for name in DJANGO_SERVICES]
    assert builds[0]["dockerfile"] == "platform/Dockerfile"
    assert all(build == builds[0] for build in builds)
    assert images[0]
    assert all(image == images[0] for image in images)


def test_it_runs_gunicorn_with_the_platform_config(services):
    command = command_text(services["web"])
    assert "gunicorn -c platform/gunicorn.conf.py config.wsgi:application" in command


def test_it_runs_a_celery_worker(services):
    assert "celery -A config worker" in command_text(services["worker"])


def test_it_runs_exactly_one_beat(services):
    beat = services["beat"]
    assert "celery -A config beat" in command_text(beat)
    assert beat["deploy"]["replicas"] == 1


def test_it_keeps_redis_queues_durable_and_unevicted(services):
    command = command_text(services["redis"])
    assert "--appendonly yes" in command
    assert "--maxmemory-policy noeviction" in command


@pytest.mark.parametrize("name", ["web", "worker", "beat", "postgres", "redis"])
def test_it_checks_the_health_of_each_long_running_service(services, name):
    healthcheck = services[name].get("healthcheck")
    assert healthcheck, f"{name} has no healthcheck"
    assert healthcheck["test"]


def test_it_checks_web_health_through_healthz(services):
    test = services["web"]["healthcheck"]["test"]
    text = " ".join(test) if isinstance(test, list) else test
    assert "/healthz" in text


def test_it_starts_django_only_after_postgres_and_redis_are_healthy(services):
    for name in DJANGO_SERVICES:
        depends_on = services[name]["depends_on"]
        assert depends_on["postgres"]["condition"] == "service_healthy"
        assert depends_on["redis"]["condition"] == "service_healthy"


def test_it_puts_nginx_with_the_platform_config_in_front_of_web(services):
    nginx = services["nginx"]
    assert "web" in nginx["depends_on"]
    assert any("platform/nginx.conf" in volume for volume in nginx["volumes"])
    assert any(str(port).endswith(":80") for port in nginx["ports"])


def test_it_answers_oversized_bodies_with_413_at_nginx():
    config = (ROOT / "platform" / "nginx.conf").read_text()
    assert re.search(r"^\s*client_max_body_size\s+1m;", config, re.MULTILINE)


def test_it_documents_every_variable_it_gives_django(services):
    documented = documented_names()
    for name, service in services.items():
        if "build" not in service:
            continue
        undocumented = environment_names(service) - documented
        assert not undocumented, f"{name}: not in platform/env.example: {sorted(undocumented)}"


def test_it_offers_flower_as_an_optional_profile(services):
    flower = services["flower"]
    assert flower["profiles"] == ["flower"]
    assert "flower" in command_text(flower)
    assert all(port.startswith("127.0.0.1:") for port in flower["ports"])
