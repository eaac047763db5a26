"""Staff pages say what a click did under the form or button clicked: a notice at the top of the page was out of
sight once the page was scrolled down to the form (on a phone always), and the page looked as if nothing happened."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Button, Info, Success

from cabinet.i18n import translate
from cabinet.store.db import session_scope
from cabinet.store.models import CommissionPlan, Creative, Offer, OfferAccess, Partner, Postback, User
from tests.drawn import walk
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page


def _order(at: AppTest) -> list[str | None]:
    """Buttons by their label, notices by their text, in the order drawn; None for anything else."""
    return [n.label if isinstance(n, Button) else n.value if isinstance(n, Success | Info) else None
            for n in walk(at.main)]  # fmt: skip


def _button(at: AppTest, label: str) -> Button:
    return next(b for b in at.button if b.label == label)


def test_a_saved_partner_is_said_under_its_form(program: Program) -> None:
    parent = program.tiny.parent
    at = open_page("pages/13_partners.py", program.users["mgr"])
    at.selectbox(key="partners_pick").select(parent).run()
    at.selectbox(key=f"partners_tier_{parent}").select("bronze")
    _button(at, "Save").click().run()
    saved = f"Partner {parent} saved: Tier."
    assert not at.exception and [s.value for s in at.success] == [saved]
    order = _order(at)
    assert order.index("Save") < order.index(saved) < order.index("Add the note")  # beside the button clicked


def test_a_move_is_said_under_its_form(program: Program) -> None:
    child = program.tiny.child
    at = open_page("pages/13_partners.py", program.users["root"])
    at.selectbox(key="partners_pick").select(child).run()
    at.number_input(key=f"partners_parent_{child}").set_value(0)
    at.text_input(key=f"partners_move_reason_{child}").input("its own contract now")
    _button(at, "Move").click().run()
    moved = f"Partner {child} is now at the top of the tree."
    assert not at.exception and [s.value for s in at.success] == [moved]
    order = _order(at)
    assert order.index("Move") < order.index(moved) < order.index("Add the note")


def test_the_last_application_decided_is_said_when_the_filter_shows_none(
    program: Program, store_engine: Engine
) -> None:
    """Only applications shown, the last one approved: the page draws no form after the save, and says it anyway."""
    with session_scope(store_engine) as s:
        applicant = Partner(name="Applicant", tier_code="bronze", status="pending")
        s.add(applicant)
        s.flush()
        applicant_id = applicant.id
    at = open_page("pages/13_partners.py", program.users["root"])
    for status in ("active", "paused", "blocked"):
        at.button_group(key="partners_statuses").unselect(status).run()
    assert at.selectbox(key="partners_pick").value == applicant_id
    at.selectbox(key=f"partners_status_{applicant_id}").select("active")
    _button(at, "Save").click().run()
    assert not at.exception and [s.value for s in at.success] == [f"Partner {applicant_id} saved: Status."]
    assert [i.value for i in at.info] == [translate("common.no_match")]


def test_an_action_on_a_login_is_said_under_its_buttons_with_the_password(program: Program) -> None:
    """A new password, shown once, was at the top of the page: the admin at the buttons below did not see it."""
    at = open_page("pages/16_logins.py", program.users["root"])
    at.selectbox(key="logins_pick").select("p_child").run()
    at.button(key="logins_new_password").click().run()
    made = translate("logins.password_made", username="p_child")
    assert not at.exception and [s.value for s in at.success] == [made]
    nodes = walk(at.main)
    said = next(i for i, n in enumerate(nodes) if isinstance(n, Success))
    confirms = [i for i, n in enumerate(nodes) if isinstance(n, Button) and n.label == translate("logins.confirm")]
    code = next(i for i, n in enumerate(nodes) if n is at.code[0])
    assert confirms and max(confirms) < said < code  # under the login's buttons, the password after its notice


def test_a_login_s_actions_stand_three_to_a_row(program: Program, store_engine: Engine) -> None:
    """Five actions side by side cut their labels at 1280 px in Russian ("Создать новый …", "Выключить вход…"); six
    stand in two rows of three."""
    with session_scope(store_engine) as s:
        mgr = s.scalar(select(User).where(User.username == "mgr"))
        mgr.locked_until, mgr.totp_secret = datetime.now(UTC) + timedelta(hours=1), "sealed-secret"
    at = open_page("pages/16_logins.py", program.users["root"])
    at.selectbox(key="logins_pick").select("mgr").run()
    labels = [p.proto.popover.label for p in at.get("popover")]
    assert len(labels) == 6 and translate("logins.unlock") in labels and translate("logins.reset_two_step") in labels
    holding = [c for c in at.columns if any(p in walk(c) for p in at.get("popover"))]
    assert len(holding) == 6 and all(c.weight >= 1 / 3 - 1e-9 for c in holding)


def test_program_settings_and_a_tier_are_said_saved_under_their_own_forms(program: Program) -> None:
    """The tier's form is far below the settings': its notice at the top of the page was a screen away."""
    at = open_page("pages/12_program.py", program.users["root"])
    at.text_input(key="program_name").input("Renamed Program")
    at.button[0].click().run()
    saved = "Saved: Program name."
    assert not at.exception and [s.value for s in at.success] == [saved]
    tier = at.selectbox(key="program_tier")
    tier_button = translate("program.save_tier", tier=tier.format_func(tier.value))
    order = _order(at)
    assert order.index(translate("program.save")) < order.index(saved) < order.index(tier_button)
    at.number_input[0].set_value(1)
    _button(at, tier_button).click().run()
    tier_saved = "Saved: Sub-partner levels its partners see."
    assert not at.exception and [s.value for s in at.success] == [tier_saved]
    order = _order(at)
    assert order.index(tier_button) < order.index(tier_saved)


def _vip(store_engine: Engine, program: Program) -> int:
    """An offer that needs approval, open to the parent's (gold) tier; the parent's open offer has a landing page,
    so the page lists it above the approval section."""
    with session_scope(store_engine) as s:
        s.get(Offer, program.tiny.offer).landing_urls = ["https://casino.example"]
        offer = Offer(name="VIP Casino", vertical="igaming", landing_urls=["https://vip.example"], access="approval",
                      tiers_allowed=["gold", "silver"])  # fmt: skip
        s.add(offer)
        s.flush()
        return offer.id


def test_an_offer_request_and_its_decision_are_said_where_they_were_clicked(
    program: Program, store_engine: Engine
) -> None:
    """The request is asked at the foot of the Offers page, under every open offer; its notice was at the top."""
    offer_id = _vip(store_engine, program)
    at = open_page("pages/19_offers.py", program.users["p_parent"])
    at.text_area(key=f"access_message_{offer_id}").input("Live casino reviews, DE and AT")
    at.button(key=f"FormSubmitter:access_request_{offer_id}-Ask to run this offer").click().run()
    sent = "Your request to run VIP Casino is sent."
    assert not at.exception and [s.value for s in at.success] == [sent]
    nodes = walk(at.main)
    said = next(i for i, n in enumerate(nodes) if isinstance(n, Success))
    assert said > next(i for i, n in enumerate(nodes) if getattr(n, "value", None) == "Offers that need approval")
    staff = open_page("pages/19_offers.py", program.users["mgr"])
    staff.button(key=f"access_approve_{staff.selectbox(key='access_pick').value}").click().run()
    decided = "Parent may now run VIP Casino."
    assert not staff.exception and [s.value for s in staff.success] == [decided]
    nodes = walk(staff.main)  # under the queue's heading, where the request was decided, not above it
    assert staff.header[0].value == "Requests to run offers (0)" and nodes.index(staff.success[0]) > nodes.index(
        staff.header[0]
    )


def test_access_given_by_staff_is_said_where_the_offer_was(program: Program, store_engine: Engine) -> None:
    offer_id = _vip(store_engine, program)
    at = open_page("pages/19_offers.py", program.users["mgr"])
    at.selectbox(key="links_partner").select(program.tiny.parent).run()
    at.button(key=f"access_grant_{offer_id}").click().run()
    given = "Access to VIP Casino is given."
    assert not at.exception and [s.value for s in at.success] == [given]
    nodes = walk(at.main)
    cards = [i for i, n in enumerate(nodes) if getattr(n, "label", None) == "Make a tracking link"]
    assert cards and nodes.index(at.success[0]) > max(cards)  # after the offers, where the section was


def test_the_picked_request_shows_the_partner_s_message_beside_its_buttons(
    program: Program, store_engine: Engine
) -> None:
    """The message is the queue table's last column: beyond a 390-px screen, out of the deciding manager's sight."""
    offer_id = _vip(store_engine, program)
    with session_scope(store_engine) as s:
        s.add(OfferAccess(offer_id=offer_id, partner_id=program.tiny.parent, status="requested",
                          message="Live casino reviews, DE and AT"))  # fmt: skip
    staff = open_page("pages/19_offers.py", program.users["mgr"])
    assert not staff.exception and "Live casino reviews, DE and AT" in [x.value for x in staff.text]
    assert translate("access.col_message") in [c.value for c in staff.caption]


def test_a_changed_offer_is_said_under_its_form(program: Program) -> None:
    """The offer's form is long (description, landing pages, tiers): a notice above it was a screen away on a phone."""
    offer = program.tiny.offer
    at = open_page("pages/20_catalogue.py", program.users["root"])
    at.selectbox(key="catalogue_pick").select(offer).run()
    at.selectbox(key=f"catalogue_status_{offer}").select("paused")
    save = f"Save offer {offer}"
    at.button(key=f"FormSubmitter:catalogue_form_{offer}-{save}").click().run()
    saved = f"Offer {offer} saved: Status."
    assert not at.exception and [s.value for s in at.success] == [saved]
    order = _order(at)
    assert order.index(save) < order.index(saved)


def test_an_offer_saved_out_of_the_filter_is_said_all_the_same(program: Program) -> None:
    """Archived, it leaves the offers listed (active and paused): no form is drawn, the notice is still said."""
    at = open_page("pages/20_catalogue.py", program.users["root"])
    for offer in sorted(at.selectbox(key="catalogue_pick").options, reverse=True):
        offer_id = int(offer.split(" · ")[0])
        at.selectbox(key="catalogue_pick").select(offer_id).run()
        at.selectbox(key=f"catalogue_status_{offer_id}").select("archived")
        at.button(key=f"FormSubmitter:catalogue_form_{offer_id}-Save offer {offer_id}").click().run()
        assert not at.exception and [s.value for s in at.success] == [f"Offer {offer_id} saved: Status."]
    assert [i.value for i in at.info] == [translate("catalogue.none_match")]


def test_a_changed_plan_is_said_under_its_form(program: Program, store_engine: Engine) -> None:
    with session_scope(store_engine) as s:
        plan_id = s.scalar(select(CommissionPlan.id).order_by(CommissionPlan.id))
    at = open_page("pages/21_plans.py", program.users["root"])
    at.selectbox(key="plans_pick").select(plan_id).run()
    at.number_input(key=f"plans_hold_{plan_id}").set_value(14)
    save = f"Save plan {plan_id}"
    at.button(key=f"FormSubmitter:plans_form_{plan_id}-{save}").click().run()
    saved = f"Plan {plan_id} saved: Hold days."
    assert not at.exception and [s.value for s in at.success] == [saved]
    order = _order(at)
    assert order.index(save) < order.index(saved)


def test_a_postback_saved_paused_and_deleted_is_said_where_it_was_clicked(
    program: Program, store_engine: Engine
) -> None:
    """The add form, each postback's box and the list are below the page's intro and macros: a notice at the top was
    out of sight on a phone. No call is made: the server named is never asked."""
    at = open_page("pages/18_postbacks.py", program.users["p_parent"])
    at.text_input(key="postbacks_url").input("https://tracker.example/pb?c={conversion_id}")
    add = translate("postbacks.add")
    _button(at, add).click().run()
    added = translate("postbacks.added")
    assert not at.exception and [s.value for s in at.success] == [added]
    order = _order(at)
    assert order.index(add) < order.index(added)
    with session_scope(store_engine) as s:
        hook = s.scalar(select(Postback.id))
    at.button(key=f"pb_pause_{hook}").click().run()
    paused = translate("postbacks.done_paused")
    assert [s.value for s in at.success] == [paused]
    nodes = walk(at.main)
    assert nodes.index(at.button(key=f"pb_resume_{hook}")) < nodes.index(at.success[0])  # in its box, under it
    assert nodes.index(at.success[0]) > nodes.index(next(b for b in at.button if b.label == add))
    at.checkbox(key=f"pb_confirm_{hook}").check().run()
    at.button(key=f"pb_delete_{hook}").click().run()
    deleted = translate("postbacks.deleted")
    assert [s.value for s in at.success] == [deleted]
    order = _order(at)
    assert order.index(add) < order.index(deleted)  # where the list is


def test_news_posted_and_archived_are_said_under_the_form_and_the_items(program: Program) -> None:
    """An archive button sits under its item, below the post form and every newer item: the notice above the form was
    screens away."""
    at = open_page("pages/12_program.py", program.users["root"])
    post = translate("news.post")
    for title in ("Older item", "Newer item"):
        at.text_input(key="news_title").input(title)
        at.text_area(key="news_body").input("Some text.")
        _button(at, post).click().run()
    posted = translate("news.posted")
    assert not at.exception and [s.value for s in at.success] == [posted]
    order = _order(at)
    assert order.index(post) < order.index(posted) < order.index(translate("news.archive"))
    archive = [b for b in at.button if b.key and b.key.startswith("news_archive_")]
    archive[-1].click().run()  # the older item, the lowest on the page
    archived = translate("news.archived")
    assert not at.exception and [s.value for s in at.success] == [archived]
    order = _order(at)
    assert order.index(archived) > max(i for i, label in enumerate(order) if label == translate("news.archive"))


def test_a_creative_added_or_removed_is_said_under_the_form_or_the_cards(
    program: Program, store_engine: Engine
) -> None:
    """The creatives stand as cards above their forms; a notice above the cards was a screen away from the text form's
    button or a lower card's on a phone."""
    offer = program.tiny.offer
    at = open_page("pages/20_catalogue.py", program.users["root"])
    at.selectbox(key="catalogue_pick").select(offer).run()
    at.text_input(key=f"catalogue_text_name_{offer}").input("Tonight")
    at.text_area(key=f"catalogue_text_body_{offer}").input("Play now: {link}")
    submit = translate("catalogue.text_submit")
    at.button(key=f"FormSubmitter:catalogue_text_{offer}-{submit}").click().run()
    assert not at.exception and len(at.success) == 1
    added = at.success[0].value
    order = _order(at)
    assert order.index(submit) < order.index(added)  # under the text form
    with session_scope(store_engine) as s:
        creative = s.scalar(select(Creative.id).where(Creative.offer_id == offer))
    remove = at.button(key=f"catalogue_remove_{creative}")
    remove.click().run()
    removed = f"Creative {creative} removed."
    assert not at.exception and [s.value for s in at.success] == [removed]
    order = _order(at)
    upload = translate("catalogue.upload_submit")
    assert order.index(removed) < order.index(upload)  # under the cards, above the forms
    assert walk(at.main).index(at.success[0]) > walk(at.main).index(at.radio(key=f"catalogue_creatives_for_{offer}"))


def test_a_partner_or_login_added_is_said_under_its_form_with_the_password(program: Program) -> None:
    """The add forms are a screen tall on a phone: the notice and the password shown once were above them."""
    at = open_page("pages/13_partners.py", program.users["root"])
    at.text_input(key="partners_add_name").input("Direct Deal Media")
    at.text_input(key="partners_add_email").input("deal@example.com")
    at.text_input(key="partners_add_username").input("direct_deal")
    add = translate("partners.add_submit")
    _button(at, add).click().run()
    assert not at.exception and len(at.success) == 1 and at.success[0].value.startswith("Partner ")
    nodes = walk(at.main)
    button = next(i for i, n in enumerate(nodes) if isinstance(n, Button) and n.label == add)
    assert button < nodes.index(at.success[0]) < nodes.index(at.code[0])
    logins = open_page("pages/16_logins.py", program.users["root"])
    for field, value in (("name", "Third Manager"), ("email", "m3@example.com"), ("username", "manager3")):
        logins.text_input(key=f"logins_add_{field}").input(value)
    add = translate("logins.add_submit")
    _button(logins, add).click().run()
    added = translate("logins.added", username="manager3", role=translate("menu.role_manager"))
    assert not logins.exception and [s.value for s in logins.success] == [added]
    nodes = walk(logins.main)
    button = next(i for i, n in enumerate(nodes) if isinstance(n, Button) and n.label == add)
    assert button < nodes.index(logins.success[0]) < nodes.index(logins.code[0])
