"""Browser tests: fixtures.

The session starts the real AVA server (the binary `swift build` made; AVA_BIN overrides its path) on a free
loopback port with a throwaway SQLite database and the development outbox, waits until it answers, and stops it
at the end. Playwright drives Debian's own Chromium (never `playwright install`: its CDN is unreachable here).

The server's log goes to e2e/screenshots/server.log; each failing test gets the lines the server logged
while it ran, and the summary repeats the log's end.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "e2e" / "screenshots"
CHROMIUM = os.environ.get("AVA_E2E_CHROMIUM", "/usr/bin/chromium")
STARTUP_TIMEOUT = 90  # seconds: first boot runs every migration


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    base_url: str
    process: subprocess.Popen
    log_path: Path
    data_dir: Path
    failed_tests: list[str] = field(default_factory=list)

    def log_size(self) -> int:
        try:
            return self.log_path.stat().st_size
        except FileNotFoundError:
            return 0

    def log_since(self, offset: int, max_lines: int = 150) -> str:
        try:
            with open(self.log_path, "rb") as f:
                f.seek(offset)
                text = f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""
        lines = text.splitlines()
        if len(lines) > max_lines:
            lines = [f"... ({len(lines) - max_lines} earlier lines in {self.log_path})"] + lines[-max_lines:]
        return "\n".join(lines)


def _server_binary() -> Path:
    binary = Path(os.environ.get("AVA_BIN", ROOT / ".build" / "debug" / "ava"))
    if not binary.is_file():
        pytest.exit(f"AVA server binary not found at {binary}: run `swift build --product ava` "
                    "(scripts/test.sh --only e2e does it)", returncode=1)
    return binary


def _wait_until_answering(server: Server) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    last_error: object = None

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):  # a redirect is an answer: don't follow it
            return None

    opener = urllib.request.build_opener(NoRedirect)
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.exit(f"AVA server exited with status {server.process.returncode} before answering; its log:\n"
                        + server.log_since(0), returncode=1)
        try:
            opener.open(server.base_url + "/", timeout=2).close()
            return
        except urllib.error.HTTPError:  # any HTTP status means the server is up
            return
        except OSError as error:
            last_error = error
        time.sleep(0.2)
    server.process.kill()
    pytest.exit(f"AVA server did not answer GET / within {STARTUP_TIMEOUT}s ({last_error}); its log:\n"
                + server.log_since(0), returncode=1)


@pytest.fixture(scope="session")
def server(request: pytest.FixtureRequest):
    binary = _server_binary()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob("*.png"):
        old.unlink()
    data_dir = Path(tempfile.mkdtemp(prefix="ava-e2e-"))
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "SMTP_URL")}
    env.update({
        "AVA_DATA_DIR": str(data_dir),
        "AVA_ENV": "development",
        "AVA_PUBLIC_URL": base_url,
        "AVA_AUTH_RATE_LIMIT": "1000",  # the suite signs in many times from one address
    })
    log_path = SCREENSHOTS / "server.log"
    log = open(log_path, "wb")
    process = subprocess.Popen(
        [str(binary), "serve", "--hostname", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,  # Resources/ and Public/ are found from the working directory
        env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    srv = Server(base_url=base_url, process=process, log_path=log_path, data_dir=data_dir)
    request.config._ava_server = srv
    try:
        _wait_until_answering(srv)
        yield srv
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def browser() -> Browser:
    with sync_playwright() as p:
        # As root, Playwright adds --no-sandbox itself.
        browser = p.chromium.launch(executable_path=CHROMIUM)
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _server_log_section(request: pytest.FixtureRequest, server: Server):
    """Remembers where the server log stood when the test began, for the failure report."""
    request.node._ava_log_offset = server.log_size()
    yield


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    report = yield
    srv: Server | None = getattr(item.config, "_ava_server", None)
    if report.failed and srv is not None and hasattr(item, "_ava_log_offset"):
        srv.failed_tests.append(item.nodeid)
        report.sections.append(("AVA server log during this test", srv.log_since(item._ava_log_offset)))
    return report


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    srv: Server | None = getattr(config, "_ava_server", None)
    if srv is None:
        return
    if srv.failed_tests:
        terminalreporter.section("AVA server log (end)")
        terminalreporter.write_line(srv.log_since(0, max_lines=80))
    terminalreporter.write_line(f"server log: {srv.log_path}")
    terminalreporter.write_line(f"screenshots: {SCREENSHOTS}/")
