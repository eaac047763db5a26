"""A real cabinet server (`cabinet serve`'s app: `streamlit run asgi.py`) on 127.0.0.1 against an isolated data dir,
and Debian's Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from cabinet.cli.setup import app_command
from cabinet.config import PROJECT_ROOT
from cabinet.passwords import hash_password
from cabinet.program import ensure_program_defaults
from cabinet.store.db import make_engine, migrate, session_scope
from cabinet.store.models import Partner, User

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]  # fmt: skip
E2E_PASSWORD = "e2e-password-0123"
RESULTS_DIR = PROJECT_ROOT / "test-results"


@dataclass(frozen=True)
class Server:
    """A running cabinet: its URL and the login created for the tests."""

    url: str
    username: str
    password: str
    data_dir: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}: {log.read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:  # noqa: S310 - local URL
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"streamlit not healthy after {timeout:.0f} s: {log.read_text(errors='replace')[-2000:]}")


@pytest.fixture(scope="module")
def cabinet_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server per test module, with a migrated store holding one partner-less admin user."""
    root = tmp_path_factory.mktemp("e2e")
    data_dir = root / "data"
    data_dir.mkdir()
    store_url = f"sqlite:///{data_dir / 'cabinet.db'}"
    migrate(store_url)
    engine = make_engine(store_url)
    with session_scope(engine) as session:
        ensure_program_defaults(session, name="E2E Program")
        session.add(User(username="e2e_admin", email="e2e@example.com", display_name="E2E Admin", role="admin",
                         password_hash=hash_password(E2E_PASSWORD)))  # fmt: skip
        session.add(Partner(name="E2E Partner", tier_code="gold"))  # the one partner the admin can view as
    engine.dispose()
    port = _free_port()
    env = {**os.environ, "CABINET_DATA_DIR": str(data_dir), "CABINET_STORE_URL": store_url,
           "CABINET_SECRETS_FILE": str(root / "secrets.toml"), "CABINET_DEMO_MODE": "0",
           "CABINET_PUBLIC_URL": f"http://127.0.0.1:{port}",  # reset links in its emails (written to data/outbox)
           "CABINET_COOKIE_KEY": "e2e-cookie-key-0123456789abcdef0123456789abcdef",
           "CABINET_LINK_SIGNING_KEY": "e2e-link-key-0123456789abcdef0123456789abcdef"}  # fmt: skip
    log = root / "streamlit.log"
    cmd = app_command(port, "127.0.0.1", "--server.fileWatcherType=none")  # as `cabinet serve` runs it
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc, log)
        yield Server(url=url, username="e2e_admin", password=E2E_PASSWORD, data_dir=data_dir)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    """Debian's Chromium driven by Playwright; skipped with the reason when it is not installed."""
    if not CHROMIUM.is_file():
        pytest.skip("no /usr/bin/chromium: run scripts/system_deps.sh as root (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def fresh_page(chromium: object, permissions: tuple[str, ...] = (), **context: object) -> Iterator[object]:
    """A fresh browser context (no cookies) made with `context` (viewport, touch...) and `permissions`, and its page;
    the context closed after."""
    made = chromium.new_context(**context)  # type: ignore[attr-defined]
    if permissions:
        made.grant_permissions(list(permissions))
    pg = made.new_page()
    pg.set_default_timeout(30_000)
    try:
        yield pg
    finally:
        made.close()


@pytest.fixture
def tab(chromium: object) -> Iterator[object]:
    """A fresh browser context (no cookies) and page per test."""
    yield from fresh_page(chromium, viewport={"width": 1280, "height": 800})


IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'  # no run of the page under way


def open_signed_in(tab, server: Server, page: str) -> None:  # type: ignore[no-untyped-def]
    """Sign in as the server's admin on the login form, then open `page` (its address) and wait for its run."""
    tab.goto(server.url)
    tab.locator(IDLE).wait_for(timeout=30_000)
    tab.get_by_label("Username", exact=True).fill(server.username)
    tab.get_by_label("Password", exact=True).fill(server.password)
    tab.get_by_role("button", name="Log in").click()
    tab.locator(".st-key-logout_button button").wait_for(timeout=30_000)
    tab.goto(f"{server.url}/{page}")
    tab.locator(IDLE).wait_for(timeout=60_000)


def open_box(tab, summary: str, inside, step: str, tries: int = 4) -> None:  # type: ignore[no-untyped-def]
    """Open the expander titled `summary` until `inside` shows, as a person would: a click made while a run redraws
    the page can be lost, or land as the box is redrawn folded; a click on a box already open would close it. Fails
    naming the step, with a screenshot, if it never opens."""
    idle = tab.locator(IDLE)
    for _ in range(tries):
        idle.wait_for(timeout=30_000)
        if inside.is_visible():
            return
        tab.get_by_text(summary).first.click()
        try:
            inside.wait_for(state="visible", timeout=5_000)
            return
        except Exception:  # noqa: S112 - Playwright's timeout: not open yet, look again
            continue
    tab.screenshot(path=str(RESULTS_DIR / f"e2e_failed_{step}.png"), full_page=True)
    pytest.fail(f"{step}: {summary!r} never opened; the page shows:\n"
                + tab.locator("[data-testid=stApp]").inner_text(timeout=5_000)[:1_000])  # fmt: skip
