"""The bench's driver of first views after a write (benchmarks.web.cold): each page request
after its write and, when paired, the baseline in turns beside it, each timed apart."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from benchmarks import web


@pytest.fixture
def server():
    """A loopback server that notes each path asked for and its cookie; 500 for /broken."""
    asked: list[tuple[str, str | None]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            asked.append((self.path, self.headers.get("Cookie")))
            status = 500 if self.path == "/broken" else 200
            body = b"ok"
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", asked
    httpd.shutdown()
    httpd.server_close()


def test_the_page_and_the_baseline_take_turns_in_blocks_each_page_request_after_its_write(
    server, monkeypatch
):
    base, asked = server
    monkeypatch.setattr(web, "BLOCK", 0.1)
    writes = []

    def write():
        writes.append(len(asked))

    page, beside = web.cold(
        base, "/page", "sessionid=a", seconds=1, before_each=write, paired=("/help", "")
    )
    paths = [path for path, _ in asked]
    turns = [path for index, path in enumerate(paths) if index == 0 or paths[index - 1] != path]
    assert turns[0] == "/page"
    assert len(turns) >= 4  # several turns of each
    assert turns == ["/page", "/help"] * (len(turns) // 2) + ["/page"] * (len(turns) % 2)
    # A write just before each of the page's requests, none before the baseline's.
    assert writes == [index for index, path in enumerate(paths) if path == "/page"]
    assert {cookie for path, cookie in asked if path == "/page"} == {"sessionid=a"}
    assert {cookie for path, cookie in asked if path == "/help"} == {None}
    assert beside is not None
    assert page.errors == beside.errors == 0
    assert page.requests_per_second > 0 and beside.requests_per_second > 0


def test_without_a_pair_only_the_page_is_asked_for_and_errors_are_counted(server):
    base, asked = server
    page, beside = web.cold(base, "/broken", "", seconds=1, before_each=lambda: None)
    assert beside is None
    assert {path for path, _ in asked} == {"/broken"}
    assert page.errors == len(asked)
