"""The bench's driver of first views after a write (benchmarks.web.cold): each page request
after its write and, when paired, the baseline's right after it, each timed apart."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from benchmarks.web import cold


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


def test_each_page_request_follows_its_write_and_the_baseline_follows_it(server):
    base, asked = server
    writes = []

    def write():
        writes.append(len(asked))

    page, beside = cold(
        base, "/page", "sessionid=a", seconds=1, before_each=write, paired=("/help", "")
    )
    assert len(asked) >= 4
    # Page, baseline, page, baseline...: each write just before its page.
    assert asked[0::2] == [("/page", "sessionid=a")] * len(asked[0::2])
    assert asked[1::2] == [("/help", None)] * len(asked[1::2])
    assert writes == list(range(0, len(asked), 2))
    assert beside is not None
    assert page.errors == beside.errors == 0
    assert page.requests_per_second > 0 and beside.requests_per_second > 0


def test_without_a_pair_only_the_page_is_asked_for_and_errors_are_counted(server):
    base, asked = server
    page, beside = cold(base, "/broken", "", seconds=1, before_each=lambda: None)
    assert beside is None
    assert {path for path, _ in asked} == {"/broken"}
    assert page.errors == len(asked)
