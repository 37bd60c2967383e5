"""platform/test-services.sh: what `make test` and `.ci/run` rely on to bring up the suite's
services and to leave nothing behind."""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "platform" / "test-services.sh"

# The command run by the script: it reports the Redis it was given and whether it answers.
REPORT = (
    'echo "url=$REDIS_URL"; echo "ping=$(redis-cli -u "$REDIS_URL" ping)"; '
    'echo "dir=$(ls -d "${TMPDIR:-/tmp}"/tandem-test-redis.* 2>/dev/null | tr "\\n" " ")"; '
    "exit ${STATUS:-0}"
)


def run_script(*args: str, env: dict[str, str] | None = None, **options):
    return subprocess.run(
        ["bash", str(SCRIPT), *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
        **options,
    )


def reported(stdout: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in stdout.splitlines() if "=" in line)


def answers(url: str) -> bool:
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


@pytest.mark.parametrize("status", ["0", "3"])
def test_it_runs_the_command_with_a_private_redis_and_stops_it_after(tmp_path, status):
    result = run_script(
        "run",
        "bash",
        "-c",
        REPORT,
        env={"STATUS": status, "TMPDIR": str(tmp_path), "REDIS_URL": "redis://127.0.0.1:6379/0"},
    )
    assert result.returncode == int(status), result.stderr
    seen = reported(result.stdout)
    assert seen["ping"] == "PONG"
    # Its own Redis on a free port, whatever REDIS_URL said before.
    assert seen["url"].startswith("redis://127.0.0.1:")
    assert not seen["url"].startswith("redis://127.0.0.1:6379/")
    assert seen["dir"].strip()
    # Stopped and cleaned up, whether the command passed or failed.
    assert not answers(seen["url"])
    assert not list(tmp_path.glob("tandem-test-redis.*"))


def test_an_interrupted_run_leaves_nothing_behind(tmp_path):
    started = tmp_path / "started"
    # As from a terminal: SIGINT at its default (a run started in the background may have
    # inherited it ignored), and the script leading its own process group.
    restore_sigint = "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL);"
    restore_sigint += "os.execvp(sys.argv[1], sys.argv[1:])"
    script = ["bash", str(SCRIPT), "run", "bash", "-c", f'echo "$REDIS_URL" > {started}; sleep 60']
    process = subprocess.Popen(
        [sys.executable, "-c", restore_sigint, *script],
        cwd=ROOT,
        env={**os.environ, "TMPDIR": str(tmp_path)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        for _ in range(100):
            if started.exists() and started.read_text().strip():
                break
            time.sleep(0.1)
        url = started.read_text().strip()
        assert answers(url)
        os.killpg(process.pid, 2)  # Ctrl-C: SIGINT to the whole foreground group
        assert process.wait(timeout=30) != 0
    finally:
        if process.poll() is None:
            os.killpg(process.pid, 9)
    assert not answers(url)
    assert not list(tmp_path.glob("tandem-test-redis.*"))


def test_without_root_or_sudo_it_stops_and_prints_the_install_command():
    if os.geteuid() == 0:
        command = ["runuser", "-u", "nobody", "--"]
    elif shutil.which("sudo") and subprocess.run(["sudo", "-n", "true"]).returncode == 0:
        pytest.skip("this user has passwordless sudo: the script would install the package")
    else:
        command = []
    result = subprocess.run(
        [*command, "env", "TANDEM_CHROMIUM=/nonexistent/chromium", "bash", "-s", "install"],
        input=SCRIPT.read_text(),
        cwd="/",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "sudo apt-get update && sudo apt-get install -y chromium" in result.stderr
