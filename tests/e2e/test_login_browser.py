"""Real Chromium against a real cabinet server (`cabinet serve`'s app): log in, reload keeps the session, log out,
wrong password."""

from __future__ import annotations

import email
import email.policy
import re
import time
from dataclasses import replace

import jwt
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from cabinet.passwords import hash_password
from cabinet.store.db import make_engine, session_scope
from cabinet.store.models import User
from tests.e2e.conftest import RESULTS_DIR, Server, open_box

pytestmark = pytest.mark.browser
COOKIE = "partner_cabinet_auth"


def _login(tab, server: Server, password: str, expect: str | None = None) -> None:  # type: ignore[no-untyped-def]
    """Fill and submit the login form; with `expect`, wait for that text and retry (see `_until_shown`)."""
    RESULTS_DIR.mkdir(exist_ok=True)
    tab.goto(server.url)

    def fill() -> None:
        tab.get_by_label("Username", exact=True).fill(server.username)
        tab.get_by_label("Password", exact=True).fill(password)
        tab.get_by_role("button", name="Log in").click()

    if expect is not None:
        _until_shown(tab, fill, expect)
        return
    # the page's script run is over (Streamlit marks the app's state), so the form is not being rebuilt
    tab.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=30_000)
    fill()


def _until_shown(tab, act, text: str | re.Pattern[str]) -> None:  # type: ignore[no-untyped-def]
    """`act` (fill a form, submit it) once the page's run is over, then wait for `text`; again if it does not come,
    as a person would: a loaded machine can leave a page's connection stuck, so the last try reloads the page first.
    Fails showing what the page shows instead."""
    for attempt in range(3):
        if attempt == 2:
            tab.reload()
        tab.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=30_000)
        act()
        try:
            tab.get_by_text(text).first.wait_for(timeout=20_000 if attempt == 0 else 30_000)
            return
        except PlaywrightTimeout:
            continue
    app = tab.locator("[data-testid=stApp]")
    state, shown = app.get_attribute("data-test-script-state", timeout=5_000), app.inner_text(timeout=5_000)[:1_500]
    tab.screenshot(path=str(RESULTS_DIR / "e2e_failed_until_shown.png"), full_page=True)
    pytest.fail(f"{text!r} never appeared (script {state}, {tab.url}); the page shows:\n{shown}")


def _see(locator, step: str) -> None:  # type: ignore[no-untyped-def]
    """Wait for `locator`; on timeout fail naming the step and showing what the page shows instead."""
    try:
        locator.wait_for()
    except PlaywrightTimeout:
        shown = locator.page.locator("[data-testid=stApp]").inner_text(timeout=5_000)[:1_000]
        locator.page.screenshot(path=str(RESULTS_DIR / f"e2e_failed_{step}.png"), full_page=True)
        pytest.fail(f"{step}: {locator} never appeared; the page shows:\n{shown}")


def _wait_cookie(tab, present: bool, timeout: float = 15.0) -> bool:  # type: ignore[no-untyped-def]
    """The cookie is written by a component in the browser, after the server's run: poll for it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(c["name"] == COOKIE for c in tab.context.cookies()) == present:
            return True
        tab.wait_for_timeout(200)
    return False


def test_login_reload_logout_reload_shows_the_login_form(tab, cabinet_server: Server) -> None:  # type: ignore[no-untyped-def]
    RESULTS_DIR.mkdir(exist_ok=True)
    tab.goto(cabinet_server.url)
    _see(tab.get_by_label("Username", exact=True), "login_form")
    assert tab.get_by_text("Welcome").count() == 0
    tab.screenshot(path=str(RESULTS_DIR / "e2e_login.png"))

    _login(tab, cabinet_server, cabinet_server.password, expect="Welcome, E2E Admin")
    _see(tab.get_by_text("Welcome, E2E Admin"), "home_after_login")
    _see(tab.get_by_text("E2E Program").first, "program_name")
    assert _wait_cookie(tab, present=True), "the re-authentication cookie was never set"
    tab.screenshot(path=str(RESULTS_DIR / "e2e_home.png"), full_page=True)

    tab.reload()  # Streamlit may resume the same server session on a reload
    _see(tab.get_by_text("Welcome, E2E Admin"), "home_after_reload")
    assert tab.get_by_label("Username", exact=True).count() == 0
    other = tab.context.new_page()  # a new server session: only the cookie can log it in
    other.goto(cabinet_server.url)
    _see(other.get_by_text("Welcome, E2E Admin"), "home_in_new_tab_from_cookie")
    other.close()

    tab.get_by_role("button", name="Log out").click()
    # shown by the logout run, and kept above the login form when the cookie component's reply reruns the page
    _see(tab.get_by_text("You have logged out."), "logged_out")
    expect(tab.get_by_text("Welcome")).to_have_count(0)
    # the browser deletes the cookie when the component loads; a lost deletion is covered by server-side revocation
    _wait_cookie(tab, present=False, timeout=5.0)
    tab.reload()
    _see(tab.get_by_label("Username", exact=True), "login_form_after_logout")
    expect(tab.get_by_text("Welcome")).to_have_count(0)
    tab.screenshot(path=str(RESULTS_DIR / "e2e_after_logout.png"))
    other = tab.context.new_page()
    other.goto(cabinet_server.url)
    _see(other.get_by_label("Username", exact=True), "login_form_in_new_tab_after_logout")
    expect(other.get_by_text("Welcome")).to_have_count(0)


def test_wrong_password_shows_an_error(tab, cabinet_server: Server) -> None:  # type: ignore[no-untyped-def]
    _login(tab, cabinet_server, "not-the-password", expect="Wrong username or password.")
    _see(tab.get_by_text("Wrong username or password."), "wrong_password_error")
    assert tab.get_by_text("Welcome").count() == 0
    assert not _wait_cookie(tab, present=True, timeout=1.0)


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")  # the forger's key, on purpose
@pytest.mark.parametrize(
    ("key", "algorithm"),
    [
        ("not-the-cookie-key-0123456789abcdef0123", "HS256"),
        ("e2e-cookie-key-0123456789abcdef0123456789abcdef", "HS384"),
    ],
    ids=["wrong-key", "other-algorithm"],
)
def test_forged_cookie_shows_the_login_form(tab, cabinet_server: Server, key: str, algorithm: str) -> None:  # type: ignore[no-untyped-def]
    forged = jwt.encode({"username": cabinet_server.username, "exp_date": time.time() + 3600}, key, algorithm=algorithm)
    tab.context.add_cookies([{"name": COOKIE, "value": forged, "url": cabinet_server.url}])
    tab.goto(cabinet_server.url)
    _see(tab.get_by_label("Username", exact=True), f"login_form_with_forged_cookie_{algorithm}")
    expect(tab.get_by_text("Welcome")).to_have_count(0)
    expect(tab.get_by_text("Traceback")).to_have_count(0)


def test_a_reload_keeps_the_partner_view_until_back_to_me(tab, cabinet_server: Server) -> None:  # type: ignore[no-untyped-def]
    """The view-as partner lives in the URL: a reload (or the link in a new tab) resumes it; back to me ends it."""
    _login(tab, cabinet_server, cabinet_server.password, expect="Welcome, E2E Admin")
    assert _wait_cookie(tab, present=True), "the re-authentication cookie was never set"
    tab.get_by_text("View as partner").click()
    tab.get_by_label("Partner id").fill("1")
    tab.get_by_label("Partner id").press("Enter")
    tab.locator(".st-key-menu_view_as_go button").click()
    _see(tab.get_by_text("Viewing the cabinet as E2E Partner"), "view_as_opened")
    # the view's reruns are over (the URL gets its parameter in one): a click during a rerun can be lost
    tab.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=30_000)
    tab.get_by_role("link", name="Reports").click()
    _see(tab.get_by_role("heading", name="Reports"), "reports_as_partner")
    assert "view_as=1" in tab.url, tab.url
    tab.reload()
    _see(tab.get_by_text("Viewing the cabinet as E2E Partner"), "view_as_after_reload")
    other = tab.context.new_page()  # a new server session from the cookie, at the same address
    other.goto(tab.url)
    _see(other.get_by_text("Viewing the cabinet as E2E Partner"), "view_as_in_new_tab")
    other.close()
    tab.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=30_000)
    tab.get_by_role("button", name="Back to my account").click()
    _see(tab.get_by_text("View as partner"), "back_to_admin")
    expect(tab.get_by_text("Viewing the cabinet as")).to_have_count(0)
    assert "view_as" not in tab.url, tab.url
    tab.reload()
    _see(tab.get_by_text("View as partner"), "admin_after_reload")
    expect(tab.get_by_text("Viewing the cabinet as")).to_have_count(0)


def test_an_invitation_link_opens_the_application_form_and_the_applicant_waits(  # type: ignore[no-untyped-def]
    tab, cabinet_server: Server
) -> None:
    """The link a partner shares, in a real browser: the form under the login form, a refusal that keeps the input,
    the application sent, and the applicant's first login saying it waits for approval."""
    import dataclasses

    from sqlalchemy import select

    from cabinet.invites import invite_token
    from cabinet.store.db import make_engine, session_scope
    from cabinet.store.models import Partner

    engine = make_engine(f"sqlite:///{cabinet_server.data_dir / 'cabinet.db'}")
    with session_scope(engine) as s:
        inviter = s.scalar(select(Partner.id).where(Partner.name == "E2E Partner"))
    engine.dispose()
    token = invite_token(inviter, b"e2e-link-key-0123456789abcdef0123456789abcdef")
    tab.goto(f"{cabinet_server.url}/?invite={token}")
    _see(tab.get_by_text("Join as a sub-partner of E2E Partner"), "application_form")
    fields = {"Username (3": "e2e_applicant", "Your name or company": "E2E Applicant", "Email": "e2e-applicant",
              "Password (at least": "applicant-pass-1", "Password again": "applicant-pass-1"}  # fmt: skip
    for attempt in range(2):  # as a person would try again on a stuck page (see _until_shown)
        tab.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=30_000)
        for label, value in fields.items():
            tab.get_by_label(label, exact=label == "Email").fill(value)  # "Your username or email" too
        tab.get_by_role("button", name="Apply").click()
        try:
            tab.get_by_text("The email address is not valid.").wait_for(timeout=20_000 if attempt == 0 else 40_000)
            break
        except Exception:
            if attempt == 1:
                raise
    expect(tab.get_by_label("Username (3")).to_have_value("e2e_applicant")  # the refused form keeps the input
    tab.get_by_label("Email", exact=True).fill("applicant@example.com")
    tab.get_by_role("button", name="Apply").click()
    _see(tab.get_by_text("Your application under E2E Partner is sent."), "application_sent")
    expect(tab.get_by_text("Traceback")).to_have_count(0)
    applicant = dataclasses.replace(cabinet_server, username="e2e_applicant")
    _login(tab, applicant, "applicant-pass-1", expect="Welcome, E2E Applicant")
    _see(tab.get_by_text("Your application to join the program is waiting"), "pending_home")


def test_two_step_login_in_a_real_browser(tab, cabinet_server: Server) -> None:  # type: ignore[no-untyped-def]
    """Turned on in Account: the recovery codes are shown, and this browser's cookie is written again (turning it on
    ends older cookies' sessions), so a new tab still opens logged in. Then a login asks, after the password, for a
    code: a recovery code does; the cookie set after it restores the session on a reload."""
    import pyotp
    from sqlalchemy import select

    from cabinet.store.db import make_engine, session_scope
    from cabinet.store.models import User

    engine = make_engine(f"sqlite:///{cabinet_server.data_dir / 'cabinet.db'}")
    try:
        with session_scope(engine) as s:
            admin = s.scalar(select(User).where(User.username == cabinet_server.username))
            s.add(User(username="e2e_two_step", email="t@example.com", display_name="Two Step", role="admin",
                       password_hash=admin.password_hash))  # fmt: skip
    finally:
        engine.dispose()
    two_step = Server(cabinet_server.url, "e2e_two_step", cabinet_server.password, cabinet_server.data_dir)
    _login(tab, two_step, two_step.password, expect="Welcome, Two Step")
    assert _wait_cookie(tab, present=True), "the re-authentication cookie was never set"
    first_cookie = _cookie_value(tab)
    idle = tab.locator('[data-testid="stApp"][data-test-script-state="notRunning"]')
    idle.wait_for(timeout=30_000)
    tab.get_by_role("link", name="Account").click()
    _see(tab.get_by_text("Turn two-step login on"), "account_two_step")
    tab.get_by_text("Turn two-step login on").click()
    secret_box = tab.locator('[data-testid="stCode"]').first
    _see(secret_box, "two_step_key")

    def confirm() -> None:  # a click during a rerun can be lost: then the code is given again, as a person would
        if tab.get_by_text("Your recovery codes").first.is_visible():  # the last try's, shown late
            return
        field = tab.get_by_label("Code from the app", exact=True)
        open_box(tab, "Turn two-step login on", field, "two_step_box")  # the last try's reload folds it (new key)
        secret_box.wait_for()
        field.fill(pyotp.TOTP("".join(secret_box.inner_text().split())).now())
        form = tab.locator('[data-testid="stForm"]').filter(has=field)
        form.get_by_label("Your password", exact=True).fill(two_step.password)  # asked as to turn it off
        tab.get_by_role("button", name="Confirm and turn on").click()

    _until_shown(tab, confirm, "Your recovery codes")
    codes = tab.locator('[data-testid="stCode"]').filter(has_text="-").first.inner_text().split()
    assert len(codes) == 10, codes
    deadline = time.monotonic() + 15
    while _cookie_value(tab) == first_cookie and time.monotonic() < deadline:
        tab.wait_for_timeout(200)
    assert _cookie_value(tab) not in (None, first_cookie), "this browser's cookie was not written again"
    other = tab.context.new_page()  # a new server session: the new cookie logs it in, the old one would not
    other.goto(cabinet_server.url)
    _see(other.get_by_text("Welcome, Two Step").first, "new_tab_after_two_step_on")
    other.close()

    idle.wait_for(timeout=30_000)
    tab.get_by_role("button", name="Log out").click()
    _see(tab.get_by_text("You have logged out.").first, "logged_out_before_code_login")  # the run and the form
    _wait_cookie(tab, present=False, timeout=5.0)
    _login(tab, two_step, two_step.password, expect="Enter the 6-digit code")
    expect(tab.get_by_text("Welcome")).to_have_count(0)
    assert not _wait_cookie(tab, present=True, timeout=1.0), "no cookie before the code"
    idle.wait_for(timeout=30_000)
    tab.get_by_label("Code", exact=True).fill(codes[0])
    tab.get_by_role("button", name="Confirm").click()
    _see(tab.get_by_text("Welcome, Two Step").first, "home_after_recovery_code")  # a rerun can show it twice
    assert _wait_cookie(tab, present=True), "the re-authentication cookie was never set"
    tab.reload()
    _see(tab.get_by_text("Welcome, Two Step").first, "home_after_reload_with_two_step")
    expect(tab.get_by_text("Enter the 6-digit code")).to_have_count(0)


def _cookie_value(tab) -> str | None:  # type: ignore[no-untyped-def]
    return next((c["value"] for c in tab.context.cookies() if c["name"] == COOKIE), None)


def test_a_forgotten_password_is_set_again_from_the_emailed_link(tab, cabinet_server: Server) -> None:  # type: ignore[no-untyped-def]
    """The login page's "Forgot your password?", the email the app's thread writes (no SMTP: an .eml file), its link
    opened in the browser, the new password set and used; the link then refused."""
    engine = make_engine(f"sqlite:///{cabinet_server.data_dir / 'cabinet.db'}")
    with session_scope(engine) as session:  # a login of its own: the module's other tests keep the admin's password
        session.add(User(username="e2e_forgetful", email="forgetful@example.com", display_name="Forgetful",
                         role="manager", password_hash=hash_password("an-old-password-1")))  # fmt: skip
    engine.dispose()
    outbox = cabinet_server.data_dir / "outbox"
    before = set(outbox.glob("*.eml")) if outbox.is_dir() else set()
    tab.goto(cabinet_server.url)

    def ask() -> None:
        field = tab.get_by_label("Your username or email", exact=True)
        open_box(tab, "Forgot your password?", field, "reset_box")  # a rerun may fold the box (CI saw it)
        field.fill("Forgetful@Example.com")
        tab.get_by_role("button", name="Email me a link").click()

    _until_shown(tab, ask, "we have emailed it a link")
    deadline = time.monotonic() + 20
    while not (new := set(outbox.glob("*.eml")) - before if outbox.is_dir() else set()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert new, "the app wrote no email"
    # a loaded machine can show the answer late, and the request is made again as a person would: only the newest
    # email's link works (files named by the mail's id)
    messages = [email.message_from_bytes(m.read_bytes(), policy=email.policy.default) for m in sorted(new)]
    assert {m["To"] for m in messages} == {"forgetful@example.com"} and len(messages) <= 3, [m["To"] for m in messages]
    message = messages[-1]
    link = re.search(r"http://\S+", message.get_body(("plain",)).get_content()).group(0)  # type: ignore[union-attr]
    assert link.startswith(f"{cabinet_server.url}/?reset=")

    tab.goto(link)
    _see(tab.get_by_text("Set a new password").first, "reset_form")

    def set_it() -> None:
        if tab.get_by_text("The new password of e2e_forgetful is set").count():  # the last try's answer came late
            return
        if tab.get_by_text("This link was already used").count():  # the run that set it did not say so
            pytest.fail("the link shows as used, not the password as set; the page shows:\n"
                        + tab.locator("[data-testid=stApp]").inner_text(timeout=5_000)[:1_500])  # fmt: skip
        tab.get_by_label("New password", exact=True).fill("a-new-password-22")
        tab.get_by_label("New password again", exact=True).fill("a-new-password-22")
        tab.get_by_role("button", name="Set the password").click()

    _until_shown(tab, set_it, "The new password of e2e_forgetful is set")
    assert "reset=" not in tab.url  # the used link is gone from the address
    tab.screenshot(path=str(RESULTS_DIR / "e2e_reset_done.png"), full_page=True)
    forgetful = replace(cabinet_server, username="e2e_forgetful", password="a-new-password-22")
    _login(tab, forgetful, forgetful.password, expect="Welcome, Forgetful")

    fresh = tab.context.browser.new_context()  # logged out: a logged-in tab shows its pages, not a reset form
    try:
        again = fresh.new_page()
        again.goto(link)
        _see(again.get_by_text("This link was already used"), "reset_link_used")
    finally:
        fresh.close()
