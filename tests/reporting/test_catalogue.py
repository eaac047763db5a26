"""The offer catalogue: admins add and change offers (checked, audit-logged old → new) and partners' links and codes
follow at once; nobody else changes it, not even an admin viewing the cabinet as a partner."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from PIL import Image
from sqlalchemy import Engine, select

from cabinet.access import ScopeError, build_session_user
from cabinet.creatives_admin import NewCreative, add_creative
from cabinet.errors import localised
from cabinet.i18n import translate
from cabinet.offers_admin import (
    OfferChange,
    OfferChangedMeanwhile,
    OfferError,
    catalogue,
    create_offer,
    current,
    set_status,
    update_offer,
)
from cabinet.promo import code_offers
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, Creative, Offer, PromoCode, TrackingLink
from cabinet.tracking import LinkError, NewLink, create_link, promotable_offers
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page
from tests.reporting.test_plans_admin import add_second_admin, drawn_input

SPORT = OfferChange("Sport  Bet", " Igaming ", " Bets on everything ",
                    ("https://sport.example/a", " https://sport.example/a", "https://sport.example/b?x=1"),
                    "active", ("silver",))  # fmt: skip


def _add(program: Program, engine: Engine, change: OfferChange, user: str = "root") -> int:
    with session_scope(engine) as s:
        return create_offer(s, program.users[user].scope, change).offer_id


def _update(program: Program, engine: Engine, offer_id: int, user: str = "root", **fields: object):  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        now = current(s, program.users["root"].scope, offer_id)
        return update_offer(s, program.users[user].scope, offer_id, OfferChange(**{**now.__dict__, **fields}))


def _promotable(program: Program, engine: Engine, user: str, partner: int) -> list[str]:
    with session_scope(engine) as s:
        return [o.name for o in promotable_offers(s, program.users[user].scope, partner)]


def test_an_admin_adds_an_offer_and_the_tiers_it_names_can_run_it(program: Program, store_engine: Engine) -> None:
    tiny = program.tiny
    offer_id = _add(program, store_engine, SPORT)
    with session_scope(store_engine) as s:
        offer = s.get(Offer, offer_id)
        assert (offer.name, offer.vertical, offer.description, offer.status) == (
            "Sport Bet", "igaming", "Bets on everything", "active")  # fmt: skip
        assert offer.landing_urls == ["https://sport.example/a", "https://sport.example/b?x=1"]  # trimmed, once
        assert offer.tiers_allowed == ["silver"]
        log = s.scalar(select(AuditLog).where(AuditLog.action == "offer_created"))
        assert (log.actor_username, log.target, log.details["name"]) == ("root", f"offer {offer_id}", "Sport Bet")
        rows = {r.id: r for r in catalogue(s, program.users["root"].scope)}
    assert (rows[offer_id].landing_pages, rows[offer_id].active_links, rows[offer_id].tiers_allowed) == (
        2,
        0,
        ("silver",),
    )
    assert "Sport Bet" in _promotable(program, store_engine, "p_child", tiny.child)  # silver
    assert "Sport Bet" not in _promotable(program, store_engine, "p_parent", tiny.parent)  # gold
    with session_scope(store_engine) as s:  # the child makes a link on its second page
        second = NewLink(offer_id, "https://sport.example/b?x=1")
        link = create_link(s, program.users["p_child"].scope, tiny.child, second, tiny.settings.require_link_key())
        assert link.token
        rows = {r.id: r for r in catalogue(s, program.users["root"].scope)}
    assert (rows[offer_id].active_links, rows[offer_id].partners) == (1, 1)


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"name": "   "}, "catalogue.bad_name"),
        ({"name": "x" * 201}, "catalogue.bad_name"),
        ({"name": "casino"}, "catalogue.name_taken"),  # the tiny program's Casino, in other letters
        ({"vertical": "Online Casino"}, "catalogue.bad_vertical"),
        ({"vertical": ""}, "catalogue.bad_vertical"),
        ({"description": "d" * 2001}, "catalogue.description_too_long"),
        ({"landing_urls": ("javascript:alert(1)",)}, "catalogue.bad_landing"),
        ({"landing_urls": ("https://",)}, "catalogue.bad_landing"),
        ({"landing_urls": ("https://a.example/x y",)}, "catalogue.bad_landing"),
        ({"landing_urls": ("https://[bad",)}, "catalogue.bad_landing"),
        ({"landing_urls": ("https://a.example:70000/",)}, "catalogue.bad_landing"),
        ({"landing_urls": ("sport.example",)}, "catalogue.bad_landing"),
        ({"landing_urls": ("javascript://sport.example/%0Aalert(1)",)}, "catalogue.bad_landing"),
        ({"landing_urls": ("ftp://sport.example/",)}, "catalogue.bad_landing"),
        ({"landing_urls": ("https://a.example/" + "p" * 1000,)}, "catalogue.bad_landing"),
        ({"landing_urls": tuple(f"https://a.example/{i}" for i in range(21))}, "catalogue.too_many_pages"),
        ({"landing_urls": ()}, "catalogue.no_pages"),
        ({"status": "deleted"}, "catalogue.bad_status"),
        ({"access": "private"}, "catalogue.bad_access"),
        ({"tiers_allowed": ("platinum",)}, "catalogue.bad_tier"),
    ],
)
def test_a_bad_offer_is_refused_and_nothing_is_written(
    program: Program, store_engine: Engine, fields: dict[str, object], key: str
) -> None:
    with session_scope(store_engine) as s:
        before = s.scalar(select(Offer.id).order_by(Offer.id.desc()))
    with pytest.raises(OfferError) as refused:
        _add(program, store_engine, OfferChange(**{**SPORT.__dict__, **fields}))
    assert refused.value.key == key
    with session_scope(store_engine) as s:
        assert s.scalar(select(Offer.id).order_by(Offer.id.desc())) == before
        assert s.scalar(select(AuditLog).where(AuditLog.action == "offer_created")) is None


def test_archived_names_are_free_and_an_archived_offer_needs_no_landing_page(
    program: Program, store_engine: Engine
) -> None:
    old = _add(program, store_engine, OfferChange("Old Bet", "igaming", status="archived"))  # no page: archived
    again = _add(program, store_engine, OfferChange("Old Bet", "igaming", landing_urls=("https://n.example",)))
    assert old != again
    with pytest.raises(OfferError) as refused:  # bringing the old one back would make two of that name
        _update(program, store_engine, old, status="paused")
    assert refused.value.key == "catalogue.name_taken"


def test_an_accent_typed_as_a_mark_names_the_same_offer(program: Program, store_engine: Engine) -> None:
    """'Café Bet' with its 'é' typed as 'e' and a combining accent looked the same as the offer 'Café Bet' in every
    picker and was taken as another name: two offers nobody could tell apart."""
    first = _add(program, store_engine, OfferChange("Café Bet", "igaming", landing_urls=("https://cafe.example",)))
    with pytest.raises(OfferError) as refused:
        _add(program, store_engine, OfferChange("CAFE\u0301 bet", "igaming", landing_urls=("https://cafe.example",)))
    assert (refused.value.key, refused.value.params) == ("catalogue.name_taken", {"offer": first})
    other = _add(program, store_engine, OfferChange("Other", "igaming", status="paused"))
    _update(program, store_engine, other, name="Cafe\u0301 Club")
    with session_scope(store_engine) as s:
        assert s.get(Offer, other).name == "Café Club"  # stored composed, as the pickers and searches read it


def test_only_an_admin_as_themselves_changes_the_catalogue(program: Program, store_engine: Engine) -> None:
    for user in ("mgr", "p_parent"):
        with pytest.raises(ScopeError) as refused:
            _add(program, store_engine, SPORT, user)
        assert refused.value.key == "catalogue.admin_only"
        with pytest.raises(ScopeError):
            _update(program, store_engine, program.tiny.offer, user, name="Mine")
    viewing = build_session_user(store_engine, "root", impersonate_partner_id=program.tiny.parent)
    assert viewing is not None
    with session_scope(store_engine) as s, pytest.raises(ScopeError):
        create_offer(s, viewing.scope, SPORT)
    with session_scope(store_engine) as s, pytest.raises(ScopeError):
        catalogue(s, program.users["mgr"].scope)


def test_a_change_is_logged_and_partners_links_and_codes_follow(program: Program, store_engine: Engine) -> None:
    tiny = program.tiny
    offer_id = _add(program, store_engine, SPORT)
    with session_scope(store_engine) as s:
        link = create_link(s, program.users["p_child"].scope, tiny.child, NewLink(offer_id),
                           tiny.settings.require_link_key())  # fmt: skip
        link_id = link.id
        kept = NewLink(offer_id, "https://sport.example/b?x=1")  # on the page that stays: not counted
        create_link(s, program.users["p_child"].scope, tiny.child, kept, tiny.settings.require_link_key())
    assert _update(program, store_engine, offer_id).changed == ()  # saved as it is: nothing written
    # the first page taken off: the child's link stays on it, and the admin is told
    saved = _update(program, store_engine, offer_id, landing_urls=("https://sport.example/b?x=1",),
                    tiers_allowed=("gold",), description="")  # fmt: skip
    assert saved.changed == ("description", "landing_urls", "tiers_allowed") and saved.links_on_removed_pages == 1
    with session_scope(store_engine) as s:
        assert s.get(TrackingLink, link_id).landing_url == "https://sport.example/a"
        log = s.scalar(select(AuditLog).where(AuditLog.action == "offer_changed"))
        assert log.details == {
            "description": ["Bets on everything", None],
            "landing_urls": [
                ["https://sport.example/a", "https://sport.example/b?x=1"],
                ["https://sport.example/b?x=1"],
            ],
            "tiers_allowed": [["silver"], ["gold"]],
            "links_on_removed_pages": 1,
        }
    assert "Sport Bet" not in _promotable(program, store_engine, "p_child", tiny.child)  # silver: no more
    assert "Sport Bet" in _promotable(program, store_engine, "p_parent", tiny.parent)
    _update(program, store_engine, offer_id, status="paused")
    assert "Sport Bet" not in _promotable(program, store_engine, "p_parent", tiny.parent)
    with session_scope(store_engine) as s:
        assert offer_id not in [o.id for o in code_offers(s, program.users["mgr"].scope, tiny.parent)]
        with pytest.raises(LinkError):
            create_link(s, program.users["p_parent"].scope, tiny.parent, NewLink(offer_id),
                        tiny.settings.require_link_key())  # fmt: skip
        s.add(PromoCode(code="SPORT1", partner_id=tiny.parent, offer_id=offer_id))
        s.flush()
        row = {r.id: r for r in catalogue(s, program.users["root"].scope)}[offer_id]
    assert (row.status, row.active_links, row.promo_codes) == ("paused", 2, 1)


def test_the_page_adds_and_changes_an_offer(program: Program, store_engine: Engine) -> None:
    at = open_page("pages/20_catalogue.py", program.users["root"])
    assert not at.exception and not at.error
    names = [offer.split(" · ", 1)[1] for offer in at.dataframe[0].value["Offer"]]  # "1 · Casino"
    assert names == ["Casino", "Shop"]
    at.text_input(key="catalogue_name_new").input("Sport Bet")
    at.text_input(key="catalogue_vertical_new").input("igaming")
    at.text_area(key="catalogue_pages_new").input("sport.example")  # no scheme: refused, the form keeps it
    at.button(key="FormSubmitter:catalogue_form_new-Add the offer").click().run()
    assert [e.value for e in at.error] == [
        "sport.example is not a landing page address: it must start with https:// or http:// and have no spaces."
    ]
    assert at.text_area(key="catalogue_pages_new").value == "sport.example"
    at.text_area(key="catalogue_pages_new").input("https://sport.example\nhttps://sport.example/vip")
    at.button(key="FormSubmitter:catalogue_form_new-Add the offer").click().run()
    assert not at.exception and not at.error
    with session_scope(store_engine) as s:
        offer_id = s.scalar(select(Offer.id).where(Offer.name == "Sport Bet"))
    assert at.success[0].value == f"Offer {offer_id} added: Sport Bet."
    assert [o.split(" · ", 1)[1] for o in at.dataframe[0].value["Offer"]] == ["Casino", "Shop", "Sport Bet"]
    assert at.text_input(key="catalogue_name_new").value == ""  # the add form starts empty again
    assert at.selectbox(key="catalogue_pick").value == offer_id  # picked to be changed, or given creatives
    at.selectbox(key=f"catalogue_status_{offer_id}").select("paused")
    at.button(key=f"FormSubmitter:catalogue_form_{offer_id}-Save offer {offer_id}").click().run()
    assert not at.exception and at.success[0].value == f"Offer {offer_id} saved: Status."
    assert list(at.dataframe[0].value["Status"]) == ["Active", "Active", "Paused"]


def test_the_page_shows_an_offers_creatives_and_removes_one(program: Program, store_engine: Engine) -> None:
    png = io.BytesIO()
    Image.new("RGB", (160, 600), (0, 0, 0)).save(png, format="PNG")
    with session_scope(store_engine) as s:
        root = program.users["root"].scope
        sky = NewCreative("sky.png", png.getvalue(), "Casino skyscraper", program.tiny.offer)
        creative = add_creative(s, root, program.tiny.settings.creatives_dir, sky)
        creative_id, stored = creative.id, program.tiny.settings.creatives_dir / creative.file_path
    at = open_page("pages/20_catalogue.py", program.users["root"])
    at.selectbox(key="catalogue_pick").select(program.tiny.offer).run()
    assert not at.exception and "Casino skyscraper · 160x600" in at.caption.values[-2]
    assert at.radio(key=f"catalogue_creatives_for_{program.tiny.offer}").value == program.tiny.offer
    at.button(key=f"catalogue_remove_{creative_id}").click().run()
    assert not at.exception and f"Creative {creative_id} removed." in [s.value for s in at.success]
    assert not stored.exists()  # its file went with it, after the commit
    with session_scope(store_engine) as s:
        assert s.get(Creative, creative_id) is None


def test_several_offers_take_one_status_at_once_or_none_does(program: Program, store_engine: Engine) -> None:
    root = program.users["root"].scope
    sport = _add(program, store_engine, SPORT)
    draft = _add(program, store_engine, OfferChange("Draft", "igaming", status="paused"))  # no landing page yet
    shop = program.tiny.other_offer
    with session_scope(store_engine) as s:
        assert set_status(s, root, [sport, shop, sport], "paused") == tuple(sorted((shop, sport)))
    with session_scope(store_engine) as s:
        assert {o.id: o.status for o in s.scalars(select(Offer).where(Offer.id.in_([sport, shop, draft])))} == {
            sport: "paused",
            shop: "paused",
            draft: "paused",
        }
        logged = s.scalars(select(AuditLog).where(AuditLog.action == "offer_changed")).all()
        assert sorted((row.target, row.details["status"]) for row in logged) == [
            (f"offer {shop}", ["active", "paused"]),
            (f"offer {sport}", ["active", "paused"]),
        ]
    with session_scope(store_engine) as s, pytest.raises(OfferError) as refused:
        set_status(s, root, [sport, draft], "active")  # the draft has no landing page: neither is activated
    assert (refused.value.key, refused.value.params["offer"], refused.value.params["reason_key"]) == (
        "catalogue.bulk_refused",
        draft,
        "catalogue.no_pages",
    )
    with session_scope(store_engine) as s:
        assert s.get(Offer, sport).status == "paused"
        assert set_status(s, root, [sport, shop], "paused") == ()
        with pytest.raises(ScopeError):
            set_status(s, program.users["mgr"].scope, [sport], "active")
        with pytest.raises(OfferError) as empty:
            set_status(s, root, [], "active")
        assert empty.value.key == "catalogue.none_picked"
    twins = [_add(program, store_engine, OfferChange("Twin", "igaming", status="archived")) for _ in range(2)]
    with session_scope(store_engine) as s, pytest.raises(OfferError) as named:
        set_status(s, root, twins, "paused")  # back from the archive, the two would share a name
    assert (named.value.params["offer"], named.value.params["reason_key"]) == (twins[1], "catalogue.name_taken")


def test_the_page_sets_the_status_of_the_offers_picked(program: Program, store_engine: Engine) -> None:
    draft = _add(program, store_engine, OfferChange("Draft", "igaming", status="paused"))
    at = open_page("pages/20_catalogue.py", program.users["root"])
    at.multiselect(key="catalogue_bulk_pick").select(program.tiny.offer).select(draft)
    at.selectbox(key="catalogue_bulk_status").select("active")
    at.button(key="FormSubmitter:catalogue_bulk-Set the status").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        f"Offer {draft}: An active offer needs at least one landing page: partners could not make links for it. "
        "Nothing was changed."
    ]
    at.multiselect(key="catalogue_bulk_pick").unselect(draft).select(program.tiny.other_offer)
    at.selectbox(key="catalogue_bulk_status").select("paused")
    at.button(key="FormSubmitter:catalogue_bulk-Set the status").click().run()
    assert not at.exception and not at.error
    low, high = sorted((program.tiny.offer, program.tiny.other_offer))
    assert at.success[0].value == f"Status set to Paused: offers {low}, {high} (2)."
    assert at.multiselect(key="catalogue_bulk_pick").value == []


def test_an_offer_form_saves_only_the_fields_edited_and_refuses_one_changed_meanwhile(
    program: Program, store_engine: Engine
) -> None:
    """Admin A saw the offer active; admin2 then pauses it with several others. A's description leaves it paused; A's
    status is refused naming the pause, nothing written; the same status as admin2's is no quarrel."""
    add_second_admin(program, store_engine)
    root, offer_id = program.users["root"].scope, _add(program, store_engine, SPORT)
    with session_scope(store_engine) as s:
        seen = current(s, root, offer_id)
        set_status(s, program.users["admin2"].scope, [offer_id, program.tiny.offer], "paused")
    with session_scope(store_engine) as s:
        assert update_offer(s, root, offer_id, replace(seen, description="Live odds"), seen).changed == ("description",)
    with pytest.raises(OfferChangedMeanwhile) as refused, session_scope(store_engine) as s:
        update_offer(s, root, offer_id, replace(seen, status="archived", vertical="sport"), seen)
    said = {loc: translate(refused.value.key, loc, **localised(refused.value.params, loc)) for loc in ("en", "ru")}
    assert said["en"].startswith(f"Offer {offer_id} was changed meanwhile by someone else, in fields you changed too; "
                                 "they are now Status: Paused. Nothing was saved")  # fmt: skip
    assert f"{translate('catalogue.field_status', 'ru')}: {translate('catalogue.status_paused', 'ru')}." in said["ru"]
    assert (refused.value.kept.status, refused.value.kept.vertical) == ("archived", "sport")  # as typed
    assert refused.value.kept.description == "Live odds"  # as it is now
    with session_scope(store_engine) as s:
        offer = s.get(Offer, offer_id)
        assert (offer.status, offer.vertical, offer.description) == ("paused", "igaming", "Live odds")
        assert update_offer(s, root, offer_id, replace(seen, status="paused"), seen).changed == ()


def test_the_offer_form_shows_a_status_set_for_several_and_a_save_keeps_it(
    program: Program, store_engine: Engine
) -> None:
    add_second_admin(program, store_engine)
    offer_id = _add(program, store_engine, SPORT)
    save = f"FormSubmitter:catalogue_form_{offer_id}-Save offer {offer_id}"
    at = open_page("pages/20_catalogue.py", program.users["root"])
    at.selectbox(key="catalogue_pick").select(offer_id).run()
    assert drawn_input(at.selectbox, f"catalogue_status_{offer_id}").value == "active"
    at.multiselect(key="catalogue_bulk_pick").select(offer_id)
    at.selectbox(key="catalogue_bulk_status").select("paused")
    at.button(key="FormSubmitter:catalogue_bulk-Set the status").click().run()
    assert drawn_input(at.selectbox, f"catalogue_status_{offer_id}").value == "paused"  # as stored now
    drawn_input(at.text_area, f"catalogue_desc_{offer_id}").input("Slots and live tables")
    at.button(key=save).click().run()
    assert not at.exception and [s.value for s in at.success] == [
        f"Offer {offer_id} saved: Description (partners see it as plain text)."
    ]
    with session_scope(store_engine) as s:
        assert (s.get(Offer, offer_id).status, s.get(Offer, offer_id).description) == (
            "paused",
            "Slots and live tables",
        )
    _update(program, store_engine, offer_id, "admin2", status="active")  # the other admin, while the page is open
    drawn_input(at.selectbox, f"catalogue_status_{offer_id}").select("archived")
    at.button(key=save).click().run()
    assert not at.exception and [e.value for e in at.error] == [
        f"Offer {offer_id} was changed meanwhile by someone else, in fields you changed too; they are now Status: "
        "Active. Nothing was saved: the form shows the offer as it is now, with your changes kept. Check them and "
        "save again."
    ]
    assert drawn_input(at.selectbox, f"catalogue_status_{offer_id}").value == "archived"  # what the admin picked
    with session_scope(store_engine) as s:
        assert s.get(Offer, offer_id).status == "active"


def test_a_long_pasted_description_stays_in_the_form_and_is_refused_with_the_limit(
    program: Program, store_engine: Engine
) -> None:
    """The browser drops a paste longer than a field's own limit whole, and the offer was added without what was
    pasted; the field now takes it, the store refuses it with its limit and the form keeps it."""
    at = open_page("pages/20_catalogue.py", program.users["root"])
    at.text_input(key="catalogue_name_new").input("Sport Bet")
    at.text_input(key="catalogue_vertical_new").input("igaming")
    at.text_area(key="catalogue_pages_new").input("https://sport.example")
    long = "Odds on every match. " * 100  # 2,100 characters
    at.text_area(key="catalogue_desc_new").input(long)
    at.button(key="FormSubmitter:catalogue_form_new-Add the offer").click().run()
    assert [e.value for e in at.error] == ["The description is longer than 2,000 characters."] and not at.success
    assert at.text_area(key="catalogue_desc_new").value == long  # nothing pasted is lost
    with session_scope(store_engine) as s:
        assert s.scalar(select(Offer.id).where(Offer.name == "Sport Bet")) is None


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("Sports betting", "such as “sports-betting”."),
        ("  Online / Casino!", "such as “online-casino”."),
        ("", "such as “crypto”."),
        ("ставки", "such as “crypto”."),
    ],
)
def test_a_refused_vertical_is_shown_one_the_form_takes(
    program: Program, store_engine: Engine, typed: str, said: str
) -> None:
    """An admin who types a vertical as words reads what to type instead, made of them."""
    with pytest.raises(OfferError) as refused:
        _add(program, store_engine, OfferChange(**{**SPORT.__dict__, "vertical": typed}))
    assert translate(refused.value.key, "en", **refused.value.params).endswith(said)
    assert "например «" in translate(refused.value.key, "ru", **refused.value.params)
