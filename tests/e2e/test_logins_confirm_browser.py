"""A login's confirmation box closes once its action is taken. Keyed by the login alone, it stayed open after the
rerun, over the notice and the new password shown once under the buttons, still offering to confirm again."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cabinet.passwords import UNUSABLE_HASH
from cabinet.store.db import make_engine, session_scope
from cabinet.store.models import AuditLog, User
from tests.e2e.conftest import IDLE, RESULTS_DIR, Server, open_signed_in

pytestmark = pytest.mark.browser


def test_a_new_passwords_box_closes_and_shows_the_password(tab, cabinet_server: Server) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{cabinet_server.data_dir / 'cabinet.db'}")
    with session_scope(engine) as s:
        s.add(User(username="e2e_manager", email="m@example.com", display_name="E2E Manager", role="manager",
                   password_hash=UNUSABLE_HASH))  # fmt: skip
    open_signed_in(tab, cabinet_server, "logins")
    tab.locator("input[role=combobox][aria-label='Login']").click()
    tab.get_by_role("option", name="e2e_manager", exact=True).click()
    tab.locator(IDLE).wait_for(timeout=30_000)
    tab.get_by_role("button", name="Make a new password").click()
    body = tab.locator('[data-testid="stPopoverBody"]')
    body.get_by_role("button", name="Confirm").click()
    notice = tab.get_by_text("A new password for e2e_manager.")
    notice.wait_for(timeout=30_000)
    tab.locator(IDLE).wait_for(timeout=30_000)
    tab.wait_for_timeout(500)
    with session_scope(engine) as s:
        made = s.scalars(select(AuditLog.action).where(AuditLog.target == "e2e_manager")).all()
    engine.dispose()
    if body.count() and body.first.is_visible():
        tab.screenshot(path=str(RESULTS_DIR / "e2e_failed_logins_confirm.png"), full_page=True)
    assert not (body.count() and body.first.is_visible()), body.first.inner_text()  # closed over nothing
    assert tab.get_by_text("The password is shown only now.").is_visible() and made
