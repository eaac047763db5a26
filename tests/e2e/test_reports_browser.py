"""Real Chromium against a demo cabinet: log in, change the period, group and filter a report, download CSV and XLSX
and read them back, switch to Russian, log out, reload → login form."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from pypdf import PdfReader

from cabinet.cli.setup import app_command
from cabinet.config import PROJECT_ROOT
from cabinet.formatting import fmt_days, period_dates
from tests.e2e.conftest import RESULTS_DIR, Server, _free_port, _wait_healthy, open_box
from tests.e2e.test_login_browser import _login, _see, _until_shown, _wait_cookie

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`cabinet demo` (small) + `cabinet etl run` into an isolated data dir, then the app as `cabinet serve` runs it."""
    root = tmp_path_factory.mktemp("e2e_demo")
    data_dir = root / "data"
    env = {
        **os.environ,
        "CABINET_DATA_DIR": str(data_dir),
        "CABINET_SECRETS_FILE": str(root / "secrets.toml"),
        "CABINET_STORE_URL": f"sqlite:///{data_dir / 'cabinet.db'}",
        "CABINET_DEMO_MODE": "0",
        "CABINET_COOKIE_KEY": "e2e-cookie-key-0123456789abcdef0123456789abcdef",
        "CABINET_LINK_SIGNING_KEY": "e2e-link-key-0123456789abcdef0123456789abcdef",
    }
    cli = [sys.executable, "-c", "from cabinet.cli import main; main()"]
    for args in (["demo", "--clicks", "20000", "--days", "45"], ["etl", "run", "--quiet"]):
        done = subprocess.run([*cli, *args], env=env, capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 0, done.stderr
    logins = {r["username"]: r["password"] for r in json.loads((data_dir / "demo_logins.json").read_text())}
    port = _free_port()
    log = root / "streamlit.log"
    cmd = app_command(port, "127.0.0.1", "--server.fileWatcherType=none")  # as `cabinet serve` runs it
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc, log)
        yield Server(url=url, username="gold_parent", password=logins["gold_parent"], data_dir=data_dir)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _choose(tab, label: str, option: str) -> None:  # type: ignore[no-untyped-def]
    """Open a select box and pick an option. A rerun (after a download, a cookie write) can close the list as it opens:
    wait for the app to be idle, and open it again while the option does not show."""
    idle = tab.locator('[data-testid="stApp"][data-test-script-state="notRunning"]')
    for attempt in range(3):
        idle.wait_for(timeout=30_000)
        tab.get_by_role("combobox", name=label, exact=True).click()
        wanted = tab.get_by_role("option", name=option)
        try:  # shown, then gone before the click when a rerun closed the list at that moment: open it again
            wanted.wait_for(timeout=5_000 if attempt < 2 else 30_000)
            wanted.click(timeout=5_000)
        except Exception:
            tab.keyboard.press("Escape")
            continue
        return
    _see(tab.get_by_role("option", name=option), f"option_{option}")


def _download(tab, name: str) -> bytes:  # type: ignore[no-untyped-def]
    """Press a download button once the page's run is over and return the file; press again if no download starts,
    as a person would: a rerun (the cookie component's, a download's) can swallow a click made while it redraws the
    page (CI saw one in four full runs of this module). Fails saying what the page shows."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    idle = tab.locator('[data-testid="stApp"][data-test-script-state="notRunning"]')
    for attempt in range(3):
        idle.wait_for(timeout=30_000)
        try:
            with tab.expect_download(timeout=15_000 if attempt < 2 else 45_000) as info:
                tab.get_by_role("button", name=name).click()
            return Path(info.value.path()).read_bytes()
        except PlaywrightTimeout:
            # a button whose file request was lost keeps its spinner and takes no more clicks (CI saw it once under
            # load): as a person would, load the page again
            tab.reload()
            tab.get_by_role("button", name=name).wait_for(timeout=30_000)
            continue
    shown = tab.locator("[data-testid=stApp]").inner_text(timeout=5_000)[:1_000]
    tab.screenshot(path=str(RESULTS_DIR / f"e2e_failed_download_{name[:20]}.png"), full_page=True)
    pytest.fail(f"pressing {name!r} three times started no download; the page shows:\n{shown}")


def test_report_flow_in_a_real_browser(tab, demo_server: Server) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    RESULTS_DIR.mkdir(exist_ok=True)
    _login(tab, demo_server, demo_server.password, expect="Welcome,")
    assert _wait_cookie(tab, present=True)

    # a page opened by its URL (a bookmark, a reload) has the wide layout too, as after the home page
    tab.goto(f"{demo_server.url}/dashboard")
    _see(tab.get_by_role("heading", name="Dashboard"), "dashboard_by_url")
    main = tab.locator('[data-testid="stMain"]').bounding_box()
    block = tab.locator('[data-testid="stMainBlockContainer"]').bounding_box()
    assert block["width"] > 0.9 * main["width"], (block, main)  # the narrow default: 736 of 980 px

    # the page's script run is over (a click during a rerun, e.g. the cookie component's, can be lost)
    tab.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=30_000)
    tab.get_by_role("link", name="Reports").click()
    try:
        tab.get_by_role("heading", name="Reports").wait_for(timeout=15_000)
    except PlaywrightTimeout:  # a click lost to a rerun that began after the wait (CI saw it under load): click again
        tab.get_by_role("link", name="Reports").click()
    _see(tab.get_by_role("heading", name="Reports"), "reports_page")
    # the demo's data ends today, whatever the date; the server's month may have turned while the test chose it
    shown = [period_dates("last_month", "UTC")]
    _choose(tab, "Period", "Last month")
    shown.append(period_dates("last_month", "UTC"))
    texts = [tab.get_by_text(f"{fmt_days(start, end, 'en')} (UTC)") for start, end in shown]  # "Nov 1 – 30, 2026"
    _see(texts[0].or_(texts[1]).first, "period_changed")

    group = tab.get_by_label("Group by")
    group.click()
    tab.get_by_role("option", name="Country", exact=True).click()
    tab.keyboard.press("Escape")
    tab.get_by_text("Filters").click()
    device = tab.get_by_role("textbox", name="Device")
    device.fill("mobile")
    device.press("Enter")
    tab.wait_for_timeout(1500)
    tab.screenshot(path=str(RESULTS_DIR / "e2e_reports.png"), full_page=True)

    csv = pl.read_csv(io.BytesIO(_download(tab, "Download CSV")))
    assert csv.columns[:2] == ["Day", "Country"] and "Clicks" in csv.columns  # headed as the table
    assert csv.height > 1 and csv["Day"][-1] == "Total"
    book = openpyxl.load_workbook(io.BytesIO(_download(tab, "Download XLSX")))
    rows = list(book.active.iter_rows(values_only=True))
    assert list(rows[0][:2]) == ["Day", "Country"] and len(rows) == csv.height + 1

    _choose(tab, "Language", "Русский")
    _see(tab.get_by_role("heading", name="Отчёты"), "russian")
    # the user's choices survive the switch and their labels follow the language
    assert tab.get_by_role("combobox", name="Период", exact=True).input_value() == "Прошлый месяц"
    _see(tab.get_by_text("Страна", exact=True).first, "group_label_in_russian")
    from playwright.sync_api import expect

    expect(tab.get_by_text("Country", exact=True)).to_have_count(0)  # once the rerun has replaced the old elements
    expect(tab.get_by_text("Choose options")).to_have_count(0)  # the empty offer filter's placeholder too
    tab.screenshot(path=str(RESULTS_DIR / "e2e_reports_ru.png"), full_page=True)

    tab.get_by_role("button", name="Выйти").click()
    assert _wait_cookie(tab, present=False)
    tab.reload()
    _see(tab.get_by_label("Username", exact=True), "login_after_logout")
    assert tab.get_by_role("heading", name="Reports").count() == 0


def test_partner_tools_in_a_real_browser(tab, demo_server: Server) -> None:  # type: ignore[no-untyped-def]
    """A gold partner creates a tracking link and downloads its QR code, then opens creatives, cohorts and payouts:
    every page draws its content, none shows an error."""
    from playwright.sync_api import expect

    _login(tab, demo_server, demo_server.password, expect="Gold Parent")  # the user's name, in either language
    _see(tab.get_by_role("button", name=re.compile("Log out|Выйти")), "logged_in")
    assert _wait_cookie(tab, present=True)  # pages opened by URL restore the login from it
    if tab.get_by_role("button", name="Выйти").count():  # the report flow above left the user in Russian
        _choose(tab, "Язык", "English")
        _see(tab.get_by_role("button", name="Log out"), "english_again")
    tab.goto(f"{demo_server.url}/links")
    _see(tab.get_by_role("heading", name="Tracking links"), "links_page")
    idle = tab.locator('[data-testid="stApp"][data-test-script-state="notRunning"]')

    def create() -> None:  # a click during a rerun can be lost: again, and a link made by the lost one is said so
        tab.get_by_role("textbox", name="sub1").fill("e2e_tg")
        tab.get_by_role("textbox", name="sub1").press("Enter")
        idle.wait_for(timeout=30_000)
        tab.get_by_role("button", name="Create link").click()

    _until_shown(tab, create, re.compile("is ready|has the same offer"))
    # the new link is the one offered to copy (the table's cells are drawn on a canvas)
    expect(tab.get_by_label("Link to copy")).to_have_value(re.compile(r"· .* / e2e_tg$"))
    png = _download(tab, "Download QR")
    assert png.startswith(b"\x89PNG")
    tab.screenshot(path=str(RESULTS_DIR / "e2e_links.png"), full_page=True)

    pages = [
        ("creatives", "Creatives", "Download"),
        ("cohorts", "Cohorts", "Week (0 = the cohort's own)"),  # the heatmap's periods, above their numbers
        ("payouts", "Payouts", "Available"),
        ("promo_codes", "Promo codes", "Download CSV"),
    ]
    for path, heading, content in pages:
        tab.goto(f"{demo_server.url}/{path}")
        _see(tab.get_by_role("heading", name=heading), f"{path}_page")
        tab.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=30_000)
        _see(tab.get_by_text(content, exact=True).first, f"{path}_content")
        expect(tab.locator('[data-testid="stException"]')).to_have_count(0)
        tab.screenshot(path=str(RESULTS_DIR / f"e2e_{path}.png"), full_page=True)

    # the demo's first partner has a paid payout: its statement is made when the button is pressed
    tab.goto(f"{demo_server.url}/payouts")
    _see(tab.get_by_role("button", name="Download the statement (PDF)"), "statement_button")
    tab.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=30_000)
    statement = PdfReader(io.BytesIO(_download(tab, "Download the statement (PDF)"))).pages[0].extract_text()
    assert "Payout statement No." in statement and "Alpha Media 1" in statement and "Paid on" in statement

    # on a phone the Dashboard's cards go two per row (Streamlit stacks columns one per row below 640 px)
    tab.set_viewport_size({"width": 390, "height": 844})
    tab.goto(f"{demo_server.url}/dashboard")
    _see(tab.get_by_role("heading", name="Dashboard"), "dashboard_phone")
    tab.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=30_000)
    cards = tab.locator('[data-testid="stMetric"]')
    _see(cards.nth(2), "dashboard_cards")
    first, second, third = (cards.nth(i).bounding_box() for i in range(3))
    assert abs(first["y"] - second["y"]) < 2 and second["x"] > first["x"] + first["width"] - 1
    assert third["y"] > first["y"] + first["height"] - 1 and second["x"] + second["width"] <= 390
    tab.screenshot(path=str(RESULTS_DIR / "e2e_dashboard_phone.png"), full_page=True)
    # a label too long for half a phone wraps instead of being cut ("Registered customers" of Cohorts)
    tab.goto(f"{demo_server.url}/cohorts")
    _see(tab.get_by_role("heading", name="Cohorts"), "cohorts_phone")
    tab.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=30_000)
    label = tab.locator('[data-testid="stMetricLabel"] p').nth(1)
    _see(label, "cohorts_label")
    assert label.evaluate("p => getComputedStyle(p).whiteSpace") == "normal"
    # the heatmap's cells keep their shade without text that Plotly shrank to 4 px; the table gives the figures
    cell_text = tab.locator(".stPlotlyChart g.heatmap-label").first
    cell_text.wait_for(state="attached")
    assert cell_text.evaluate("g => getComputedStyle(g).display") == "none"
    tab.screenshot(path=str(RESULTS_DIR / "e2e_cohorts_phone.png"), full_page=True)


def test_a_manager_issues_a_promo_code_in_a_real_browser(tab, demo_server: Server) -> None:  # type: ignore[no-untyped-def]
    """A manager opens Promo codes, issues a code to one of their partners, and finds it under "Change a code"."""
    from playwright.sync_api import expect

    logins = {r["username"]: r["password"] for r in json.loads((demo_server.data_dir / "demo_logins.json").read_text())}
    manager = dataclasses.replace(demo_server, username="manager1", password=logins["manager1"])
    _login(tab, manager, manager.password, expect="Log out")
    assert _wait_cookie(tab, present=True)  # the page opened by URL restores the login from it
    tab.goto(f"{demo_server.url}/promo_codes")
    _see(tab.get_by_role("heading", name="Promo codes"), "promo_page")

    def open_manage(step: str) -> None:  # a click during a rerun can be lost: open it again until it shows
        open_box(tab, "Issue or change a code", tab.get_by_role("tab", name="Change a code"), step)

    open_manage("manage_open")

    def issue() -> None:  # typed once the run that opened the box is over: a rerun would clear it (CI saw it)
        tab.locator(".st-key-promo_new_code input").fill("e2e-winter")  # by its key: "Code" labels two widgets
        tab.get_by_role("button", name="Issue code").click()

    _until_shown(tab, issue, "Code E2E-WINTER is issued")
    open_manage("manage_again")
    # the issued code's form starts empty: the browser does not keep showing what was typed
    expect(tab.locator(".st-key-promo_new_code input")).to_have_value("")
    tab.get_by_role("tab", name="Change a code").click()
    tab.get_by_label("Code to change").click()
    _see(tab.get_by_role("option", name=re.compile(r"^E2E-WINTER · ")), "code_listed")
    expect(tab.locator('[data-testid="stException"]')).to_have_count(0)
    tab.screenshot(path=str(RESULTS_DIR / "e2e_promo_issued.png"), full_page=True)


def test_an_admin_uploads_a_banner_in_a_real_browser(tab, demo_server: Server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The admin picks a PNG in the Offer catalogue's uploader, uploads it for the offer picked, and the banner is on
    the catalogue's shelf and on the Creatives page (file uploads cannot be driven from AppTest); the Partner review
    flags the demo's partner that buys bot traffic."""
    from PIL import Image
    from playwright.sync_api import expect

    banner = tmp_path / "e2e_banner.png"
    Image.new("RGB", (320, 50), (250, 120, 0)).save(banner)
    logins = {r["username"]: r["password"] for r in json.loads((demo_server.data_dir / "demo_logins.json").read_text())}
    admin = dataclasses.replace(demo_server, username="admin", password=logins["admin"])
    _login(tab, admin, admin.password, expect="Log out")
    assert _wait_cookie(tab, present=True)
    tab.goto(f"{demo_server.url}/catalogue")
    _see(tab.get_by_role("heading", name="Offer catalogue"), "catalogue_page")

    def upload() -> None:
        tab.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(banner))
        _see(tab.get_by_text("e2e_banner.png"), "file_picked")
        tab.get_by_role("button", name="Upload", exact=True).click()

    _until_shown(tab, upload, re.compile(r"^Creatives added: \d+\.$"))  # its id
    _see(tab.get_by_text(re.compile(r"^e2e_banner · 320x50")), "on_the_shelf")
    expect(tab.locator('[data-testid="stException"]')).to_have_count(0)
    tab.screenshot(path=str(RESULTS_DIR / "e2e_catalogue_upload.png"), full_page=True)
    tab.goto(f"{demo_server.url}/creatives")
    _see(tab.get_by_role("heading", name="Creatives"), "creatives_page")
    _see(tab.get_by_text("e2e_banner", exact=True), "on_the_creatives_page")
    # the demo's partner that buys traffic is flagged in the Partner review
    tab.goto(f"{demo_server.url}/review")
    _see(tab.get_by_role("heading", name="Partner review"), "review_page")
    _see(tab.locator('[data-testid="stMetric"]').filter(has_text="Bot clicks"), "bot_signal")
    expect(tab.locator('[data-testid="stException"]')).to_have_count(0)
    tab.screenshot(path=str(RESULTS_DIR / "e2e_review.png"), full_page=True)
