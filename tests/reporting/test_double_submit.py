"""A submit or click acted on once though Streamlit hands it over twice: the browser asks for a run while the one it
started works (a second click, a component's answer, a reconnect), Streamlit stops the running one at its next
Streamlit call, right after the store was changed, and replays its click in the next run. That run says what the
first did (one row, its success), not a second row or a refusal; the same submission made later is made again."""

from __future__ import annotations

from types import ModuleType

import pytest
from sqlalchemy import Engine, func, select
from streamlit.proto.WidgetStates_pb2 import WidgetStates
from streamlit.runtime.scriptrunner_utils.script_requests import RerunData
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx
from streamlit.testing.v1 import AppTest

from cabinet import etl_requests, partner_notes
from cabinet.i18n import translate
from cabinet.session import SESSION_KEY
from cabinet.store.db import session_scope
from cabinet.store.models import OfferAccess, PartnerNote, PayoutRequest, PromoCode, TrackingLink, User
from cabinet.ui import money, once, store
from etl.reprocess_requests import pending
from tests.reporting.conftest import PASSWORD, Program
from tests.reporting.test_data_loads_page import loaded  # noqa: F401  (a fixture)
from tests.reporting.test_links import offers  # noqa: F401  (a fixture)
from tests.reporting.test_offer_access import vip  # noqa: F401  (a fixture)
from tests.reporting.test_pages import ROOT
from tests.reporting.test_pages import _open as open_page
from tests.reporting.test_payouts import payable  # noqa: F401  (a fixture)


def replayed(at: AppTest, monkeypatch: pytest.MonkeyPatch, module: ModuleType, name: str) -> AppTest:
    """Run the click or submit set on `at` as Streamlit does when the browser asks for a run while `module.name`
    (the handler's store change) works: the run is stopped at its next Streamlit call, and the next one replays the
    click with the same inputs."""
    fresh, triggers = WidgetStates(), WidgetStates()
    for w in at._tree.get_widget_states().widgets:
        (triggers if w.WhichOneof("value") == "trigger_value" and w.trigger_value else fresh).widgets.append(w)
    assert triggers.widgets, "nothing clicked"
    real, left = getattr(module, name), [1]

    def asked_meanwhile(*args: object, **kwargs: object) -> object:
        result = real(*args, **kwargs)
        if left[0]:
            left[0] -= 1
            ctx = get_script_run_ctx()
            assert ctx is not None and ctx.script_requests is not None
            ctx.script_requests.request_rerun(RerunData(widget_states=fresh, replay_trigger_states=triggers,
                                                        page_script_hash=ctx.page_script_hash))  # fmt: skip
        return result

    monkeypatch.setattr(module, name, asked_meanwhile)
    at.run()
    assert not left[0], f"{name} was not called"
    monkeypatch.setattr(module, name, real)
    assert not at.exception, at.exception
    return at


def _count(engine: Engine, model: type, *where: object) -> int:
    with session_scope(engine) as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _later(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """The clock `once` reads, `seconds` on."""
    now = once.time.monotonic()
    monkeypatch.setattr(once.time, "monotonic", lambda: now + seconds)


def test_a_note_replayed_is_added_once_and_the_same_note_later_again(
    program: Program, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_page("pages/13_partners.py", program.users["mgr"])
    pick = at.selectbox(key="partners_pick").value
    at.text_area(key=f"notes_body_{pick}").input("Called: SEO only")
    at.button(key=f"FormSubmitter:notes_add_{pick}-Add the note").click()
    replayed(at, monkeypatch, partner_notes, "add_note")
    assert _count(store_engine, PartnerNote) == 1
    assert "The note is added." in [s.value for s in at.success] and not at.error
    at.text_area(key=f"notes_body_{pick}").input("Called: SEO only")  # a double click: the second within a second
    at.button(key=f"FormSubmitter:notes_add_{pick}-Add the note").click().run()
    assert _count(store_engine, PartnerNote) == 1 and "The note is added." in [s.value for s in at.success]
    _later(monkeypatch, once.WINDOW + 1)  # the same note, deliberately, a while later: added
    at.text_area(key=f"notes_body_{pick}").input("Called: SEO only")
    at.button(key=f"FormSubmitter:notes_add_{pick}-Add the note").click().run()
    assert _count(store_engine, PartnerNote) == 2


def test_a_promo_code_replayed_is_issued_once_not_refused_as_existing(
    program: Program, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_page("pages/08_promo_codes.py", program.users["mgr"])
    at.selectbox(key="promo_new_partner").select(program.tiny.child).run()
    at.text_input(key="promo_new_code").input("autumn-25")
    at.button[0].click()
    replayed(at, monkeypatch, store, "issue_code")
    assert not at.error, [e.value for e in at.error]
    assert at.success[0].value.startswith("Code AUTUMN-25 is issued")
    assert _count(store_engine, PromoCode, PromoCode.code == "AUTUMN-25") == 1


def test_a_link_replayed_is_said_made_not_said_to_exist(
    offers: Program,  # noqa: F811
    store_engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    at = open_page("pages/06_links.py", offers.users["p_parent"])
    before = _count(store_engine, TrackingLink)
    at.text_input(key="links_name").input("Autumn push")
    next(b for b in at.button if b.label == "Create link").click()
    replayed(at, monkeypatch, store, "new_link")
    assert _count(store_engine, TrackingLink) == before + 1
    assert not at.warning and at.success[0].value.startswith(
        f"Link {at.session_state['links_created']} is ready.")  # fmt: skip


def test_a_link_archived_by_a_replayed_click_is_the_only_one(
    offers: Program,  # noqa: F811
    store_engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    at = open_page("pages/06_links.py", offers.users["p_parent"])
    at.text_input(key="links_name").input("Second")
    next(b for b in at.button if b.label == "Create link").click().run()
    shown = _count(store_engine, TrackingLink, TrackingLink.archived.is_(False))
    next(b for b in at.button if b.label == "Archive this link").click()
    replayed(at, monkeypatch, store, "archive_link")  # the next run picks another link: not archived as well
    assert _count(store_engine, TrackingLink, TrackingLink.archived.is_(False)) == shown - 1


def test_a_payout_request_replayed_is_asked_once(
    payable: Program,  # noqa: F811
    store_engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    at = open_page("pages/09_payouts.py", payable.users["p_parent"])
    next(x for x in at.text_input if x.label == "Amount (USD)").input("50")
    next(b for b in at.get("form_submit_button") if b.label == "Request payout").click()
    replayed(at, monkeypatch, money, "request_payout")
    assert not at.error, [e.value for e in at.error]
    assert _count(store_engine, PayoutRequest) == 1
    with session_scope(store_engine) as s:
        made = s.scalar(select(PayoutRequest.id))
    # the replay's run has no form to submit (one open request at a time): it says the request made is open
    assert [i.value for i in at.info][:1] == [
        f"Request {made} is still open: wait for its decision, or cancel it under “Your requests” to ask for "
        "another amount."
    ]


def test_a_login_email_change_replayed_says_changed_not_the_same_address(
    program: Program, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_page("pages/10_account.py", program.users["p_child"])
    at.text_input(key="account_new_email").input("child@new.example")
    at.text_input(key="account_email_password").input(PASSWORD)
    next(b for b in at.get("form_submit_button") if b.form_id == "account_email").click()
    replayed(at, monkeypatch, store, "change_email")
    assert not at.error, [e.value for e in at.error]
    assert [s.value for s in at.success] == [translate("account.email_changed")]


def test_program_settings_replayed_are_saved_not_refused_as_changed_meanwhile(
    program: Program, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_page("pages/12_program.py", program.users["root"])
    at.text_input(key="program_name").input("Acme Partners")
    next(b for b in at.get("form_submit_button") if b.label == "Save" and b.form_id == "program_form").click()
    replayed(at, monkeypatch, store, "save_program")
    assert not at.error and not at.info, [e.value for e in (*at.error, *at.info)]
    assert [s.value for s in at.success] == ["Saved: Program name."]


def test_a_partner_change_replayed_is_saved_not_refused_as_changed_meanwhile(
    program: Program, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_page("pages/13_partners.py", program.users["root"])
    pick = at.selectbox(key="partners_pick").value
    at.selectbox(key=f"partners_status_{pick}").select("paused")
    at.text_input(key=f"partners_reason_{pick}").input("Paused for review")
    at.button(key=f"FormSubmitter:partner_{pick}-Save").click()
    replayed(at, monkeypatch, store, "change_partner")
    assert not at.error, [e.value for e in at.error]
    assert [s.value for s in at.success] == [f"Partner {pick} saved: Status."]


def test_a_login_disabled_by_a_replayed_click_stays_disabled(
    program: Program, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cabinet import logins_admin

    at = open_page("pages/16_logins.py", program.users["root"])
    at.selectbox(key="logins_pick").select("mgr").run()
    at.button(key="logins_disable").click()
    replayed(at, monkeypatch, logins_admin, "set_enabled")  # the next run offers "Enable" there: not clicked
    assert _count(store_engine, User, User.username == "mgr", User.is_active.is_(False)) == 1


def test_an_approval_replayed_decides_no_other_request(
    vip: tuple[Program, int],  # noqa: F811
    store_engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from cabinet import offer_access

    program, offer_id = vip
    with session_scope(store_engine) as s:  # the parent and its child ask for the offer
        for user, partner in (("p_parent", program.tiny.parent), ("p_child", program.tiny.child)):
            offer_access.request_access(s, program.users[user].scope, partner, offer_id, "")
    at = open_page("pages/19_offers.py", program.users["mgr"])
    at.button(key=f"access_approve_{at.selectbox(key='access_pick').value}").click()
    replayed(at, monkeypatch, offer_access, "decide")  # the next run picks the other request: not approved too
    assert _count(store_engine, OfferAccess, OfferAccess.status == "requested") == 1


@pytest.mark.parametrize("change", ["password", "end_others"])
def test_a_session_renewing_change_replayed_keeps_this_browser_logged_in(
    change: str, program: Program, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new password or "End my other sessions" ends the sessions begun before it: a run stopped right after the
    commit must find its own session renewed, not end it as an older one."""
    from streamlit_authenticator.controllers.cookie_controller import CookieController

    monkeypatch.setattr(CookieController, "set_cookie", lambda self: None)
    at = open_page("pages/10_account.py", program.users["p_child"])
    if change == "password":
        form = next(b for b in at.get("form_submit_button") if b.form_id == "account_password")
        inputs = [ti for ti in at.text_input if ti.form_id == form.form_id]
        for field, value in zip(inputs, (PASSWORD, "new-password-123", "new-password-123"), strict=True):
            field.input(value)
        form.click()
        replayed(at, monkeypatch, store, "change_password")
        notice = translate("account.password_changed")
    else:
        at.button(key="security_end_others").click()
        replayed(at, monkeypatch, store, "end_other_sessions")
        notice = translate("security.ended")
    assert not at.error and [s.value for s in at.success] == [notice], [e.value for e in at.error]
    at.run()
    assert at.session_state[SESSION_KEY].username == "p_child"


def test_a_read_again_replayed_is_said_asked_not_asked_before(
    loaded: Program,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    at = open_page("pages/23_data_loads.py", loaded.users["root"])
    at.button(key="loads_read_again").click()
    replayed(at, monkeypatch, etl_requests, "ask_reprocess")
    assert at.success[-1].value.startswith("Asked: the ETL schedule reads again"), at.success[-1].value
    assert len(pending(loaded.tiny.settings.warehouse_dir)) == 1


def test_the_same_postback_for_another_partner_viewed_as_is_added(
    program: Program, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A manager viewing as one partner, then as another, sends the same form within the window: it is the second
    partner's submission, not a replay of the first's, and it is added for that partner."""
    from cabinet.store.models import Postback

    monkeypatch.setattr(once.time, "monotonic", lambda: 1000.0)  # all within a second
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state[SESSION_KEY] = program.users["mgr"]
    url = "https://tracker.example/pb?c={conversion_id}"
    for partner in (program.tiny.parent, program.tiny.child):
        at.query_params["view_as"] = str(partner)
        at = at.switch_page("pages/18_postbacks.py").run()
        assert at.session_state[SESSION_KEY].partner_id == partner
        at.text_input(key="postbacks_url").input(url)
        next(b for b in at.get("form_submit_button") if b.form_id == "postback_add").click().run()
        assert not at.error and [s.value for s in at.success] == [translate("postbacks.added")]
        at.button(key="menu_back").click().run()  # back to the manager's own view
    with session_scope(store_engine) as s:
        assert sorted(s.scalars(select(Postback.partner_id))) == sorted((program.tiny.parent, program.tiny.child))


def test_a_password_made_is_not_kept_in_the_session_after_the_window(
    program: Program, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`once` keeps what a submission gave for its replay: a password made for a login goes with the window, not
    stays in the session until the logout."""
    at = open_page("pages/16_logins.py", program.users["root"])
    at.selectbox(key="logins_pick").select("mgr").run()
    at.button(key="logins_new_password").click().run()
    [made] = [c.value for c in at.code]
    _later(monkeypatch, once.WINDOW + 1)
    at.selectbox(key="logins_pick").select("p_child").run()
    at.button(key="logins_disable").click().run()  # another submission, a while later
    assert not at.exception and made not in repr(at.session_state.to_dict())


def test_a_login_without_an_address_keeps_its_session_after_changing_its_password(
    program: Program, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The browser's session is renewed inside the change's transaction: after the change is written, not before it.
    No email to queue (a login without an address) must not leave its audit row to the commit, after the renewal."""
    from streamlit_authenticator.controllers.cookie_controller import CookieController

    monkeypatch.setattr(CookieController, "set_cookie", lambda self: None)
    with session_scope(store_engine) as s:
        s.scalars(select(User).where(User.username == "p_child")).one().email = ""  # nothing is mailed to it
    at = open_page("pages/10_account.py", program.users["p_child"])
    form = next(b for b in at.get("form_submit_button") if b.form_id == "account_password")
    inputs = [ti for ti in at.text_input if ti.form_id == form.form_id]
    for field, value in zip(inputs, (PASSWORD, "new-password-123", "new-password-123"), strict=True):
        field.input(value)
    form.click().run()
    assert [s.value for s in at.success] == [translate("account.password_changed")]
    at.run()
    assert SESSION_KEY in at.session_state and at.session_state[SESSION_KEY].username == "p_child"


def test_review_limits_replayed_are_said_saved_not_unchanged(
    program: Program, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A form over a record another admin may change (`cabinet.ui.drawn_form`): the replayed submit finds the record
    saved and the form drawn from it, and says what the save changed, not "Nothing changed"."""
    from cabinet import review_settings

    at = open_page("pages/22_review.py", program.users["root"])
    limit = at.text_input(key="review_limit_min_clicks")
    limit.input(str(int(limit.value) + 1))
    next(b for b in at.get("form_submit_button") if b.form_id == "review_limits").click()
    replayed(at, monkeypatch, review_settings, "save_thresholds")
    assert translate("review.limits_saved", n=1) in [s.value for s in at.success], [s.value for s in at.success]
