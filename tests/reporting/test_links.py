"""Tracking links: a partner builds a signed link for an offer it may run, the ETL counts its clicks, and nobody
builds or archives links for a partner outside their scope."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest

from cabinet.access import ScopeError
from cabinet.links import verify_link
from cabinet.session import SESSION_KEY
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, Offer, Partner, TrackingLink
from cabinet.tracking import (
    NAME_MAX,
    LinkError,
    NewLink,
    create_link,
    link_url,
    partner_links,
    promotable_offers,
    qr_png,
    set_archived,
)
from cabinet.ui.link_table import link_qr
from tests.reporting.conftest import NOW, Program
from tests.reporting.test_pages import ROOT
from tests.reporting.test_pages import _open as open_page

LANDING = "https://casino.example/welcome"


@pytest.fixture
def offers(program: Program, store_engine: Engine) -> Program:
    """The casino offer gets two landing pages; the shop only one and only for gold partners; a paused offer."""
    with session_scope(store_engine) as s:
        s.get(Offer, program.tiny.offer).landing_urls = [LANDING, "https://casino.example/vip"]
        shop = s.get(Offer, program.tiny.other_offer)
        shop.landing_urls, shop.tiers_allowed = ["https://shop.example"], ["gold"]
        s.add(Offer(name="Old", vertical="forex", landing_urls=["https://old.example"], status="paused"))
    return program


def _create(program: Program, engine: Engine, user: str, partner: int, new: NewLink) -> TrackingLink:
    with session_scope(engine) as s:
        return create_link(s, program.users[user].scope, partner, new, program.tiny.settings.require_link_key())


def test_a_partner_creates_a_signed_link_whose_clicks_the_etl_counts(offers: Program, store_engine: Engine) -> None:
    tiny = offers.tiny
    new = NewLink(tiny.offer, None, "  ", (" fb ", "{click_id}", "", "", ""))
    link = _create(offers, store_engine, "p_parent", tiny.parent, new)
    key = tiny.settings.require_link_key()
    assert verify_link(link.token, key) == link.id and link.landing_url == LANDING  # the offer's first page
    assert (link.name, link.sub1, link.sub2, link.sub3) == ("Casino / fb", "fb", "{click_id}", None)
    assert link_url("https://trk.example.com/", link) == f"https://trk.example.com/c/{link.token}"
    assert qr_png(link_url("https://trk.example.com", link)).startswith(b"\x89PNG")
    url = link_url("https://trk.example.com", link)
    assert link_qr(url) == link_qr(url) == qr_png(url)  # the page's, kept between runs: the same image
    with session_scope(store_engine) as s:
        assert [lk.id for lk in partner_links(s, offers.users["p_parent"].scope, tiny.parent)] == [link.id, tiny.link]
        row = s.scalar(select(AuditLog).where(AuditLog.action == "link_created"))
        assert (row.actor_username, row.target) == ("p_parent", f"link {link.id}")
    # a click on the new link is the parent's, with the link's offer and sub1 (after a run copied the link)
    tiny.write("clicks", "new.csv", "click_id,ts,link_token,country,device,ip,user_agent\n"
               f"n1,2026-11-10T11:00:00Z,{link.token},DE,mobile,10.9.9.9,Mozilla/5.0 N\n")  # fmt: skip
    tiny.run(NOW + timedelta(minutes=5))
    assert tiny.rows("select partner_id, offer_id, link_id, sub1 from clicks where click_id = 'n1'") == [
        (tiny.parent, tiny.offer, link.id, "fb")
    ]


@pytest.mark.parametrize(
    ("user", "partner", "new", "key"),
    [
        ("p_bronze", "outsider", NewLink(0), "links.offer_not_allowed"),  # the shop is gold-only
        ("p_parent", "parent", NewLink(-1), "links.offer_not_allowed"),  # no such offer
        ("p_parent", "parent", NewLink(0, "https://evil.example"), "links.bad_landing"),
        ("p_parent", "parent", NewLink(1, subs=("a b", "", "", "", "")), "links.bad_sub"),
        ("p_parent", "parent", NewLink(1, subs=("", "=HYPERLINK(1)", "", "", "")), "links.bad_sub"),
        ("p_parent", "parent", NewLink(1, subs=("x" * 101, "", "", "", "")), "links.sub_too_long"),
        ("p_parent", "parent", NewLink(1, name="n" * 201), "links.name_too_long"),
    ],
)
def test_bad_requests_are_refused_with_a_reason(
    offers: Program, store_engine: Engine, user: str, partner: str, new: NewLink, key: str
) -> None:
    tiny = offers.tiny
    ids = {"outsider": offers.outsider, "parent": tiny.parent}
    offer = {0: tiny.other_offer, 1: tiny.offer}.get(new.offer_id, new.offer_id)
    with pytest.raises(LinkError) as caught:
        _create(offers, store_engine, user, ids[partner], NewLink(offer, new.landing_url, new.name, new.subs))
    assert caught.value.key == key
    with session_scope(store_engine) as s:  # nothing written
        assert s.scalar(select(TrackingLink).where(TrackingLink.id != tiny.link)) is None


def test_offers_follow_status_tier_and_landing_pages(offers: Program, store_engine: Engine) -> None:
    with session_scope(store_engine) as s:
        names = {u: [o.name for o in promotable_offers(s, offers.users[u].scope, p)]
                 for u, p in (("p_parent", offers.tiny.parent), ("p_bronze", offers.outsider))}  # fmt: skip
    assert names == {"p_parent": ["Casino", "Shop"], "p_bronze": ["Casino"]}  # never the paused one


def test_nobody_acts_for_a_partner_outside_their_scope(offers: Program, store_engine: Engine) -> None:
    tiny = offers.tiny
    with pytest.raises(ScopeError):
        _create(offers, store_engine, "p_child", tiny.parent, NewLink(tiny.offer))
    with pytest.raises(ScopeError):
        _create(offers, store_engine, "mgr", offers.outsider, NewLink(tiny.offer))
    with session_scope(store_engine) as s, pytest.raises(ScopeError):
        set_archived(s, offers.users["p_child"].scope, tiny.link, True)
    made = _create(offers, store_engine, "mgr", tiny.parent, NewLink(tiny.offer))  # the parent's manager may
    with session_scope(store_engine) as s:
        assert s.scalar(select(AuditLog.actor_username).where(AuditLog.target == f"link {made.id}")) == "mgr"
        s.get(Partner, tiny.parent).status = "blocked"
    with pytest.raises(LinkError, match="blocked"):
        _create(offers, store_engine, "p_parent", tiny.parent, NewLink(tiny.offer))


def test_archived_links_leave_the_list_and_a_limit_holds(
    offers: Program, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    tiny, scope = offers.tiny, offers.users["p_parent"].scope
    with session_scope(store_engine) as s:
        set_archived(s, scope, tiny.link, True)
        assert partner_links(s, scope, tiny.parent) == []
        assert [lk.id for lk in partner_links(s, scope, tiny.parent, archived=True)] == [tiny.link]
    monkeypatch.setattr("cabinet.tracking.MAX_ACTIVE_LINKS", 1)
    _create(offers, store_engine, "p_parent", tiny.parent, NewLink(tiny.offer))  # the archived one does not count
    with pytest.raises(LinkError, match="at most"):
        _create(offers, store_engine, "p_parent", tiny.parent, NewLink(tiny.offer))


def test_the_page_builds_a_link_and_shows_its_url_qr_and_figures(offers: Program, store_engine: Engine) -> None:
    at = open_page("pages/06_links.py", offers.users["p_parent"])
    assert not at.exception and not at.error
    table = at.dataframe[0].value  # the existing link with its clicks of the last 30 days (k1, k2)
    assert table.iloc[0]["Link"] == str(offers.tiny.link) and table.iloc[0]["Clicks"] == 2
    # the cards are the listed links' figures, said so: the Dashboard's 30 days also count clicks without a link
    clicks = next(m for m in at.metric if m.label.startswith("Clicks"))
    assert clicks.label == "Clicks of these links" and "the Dashboard has them all" in clicks.proto.help
    at.text_input(key="links_sub1").input("tg")
    at.button[0].click().run()
    assert not at.exception and not at.error
    with session_scope(store_engine) as s:
        link = s.scalar(select(TrackingLink).where(TrackingLink.sub1 == "tg"))
    assert at.success[0].value.startswith(f"Link {link.id} is ready")
    assert [int(lk.split(" · ")[0]) for lk in at.dataframe[0].value["Link"]] == [link.id, offers.tiny.link]
    assert at.code[0].value == f"https://trk.example.com/c/{link.token}"  # the new link is the one to copy
    at.text_input(key="links_sub1").input("bad value").run()  # refused: the link made before is not said again
    at.button[0].click().run()
    assert at.error[0].value.startswith("sub1 has characters") and not at.success
    # a bronze partner has links too; a manager picks the partner first
    assert not open_page("pages/06_links.py", offers.users["p_bronze"]).exception
    mgr = open_page("pages/06_links.py", offers.users["mgr"])
    assert mgr.selectbox(key="links_partner").options == [
        f"{offers.tiny.child} · Child",
        f"{offers.tiny.parent} · Parent",
    ]
    # the links are the picked partner's, said so: "Your links" read as the manager's own
    assert [h.value for h in at.header][-1] == "Your links"
    assert [h.value for h in mgr.header][-1] == f"Links of {offers.tiny.child} · Child"


def test_the_same_link_twice_is_the_one_already_there(offers: Program, store_engine: Engine) -> None:
    tiny = offers.tiny
    new = NewLink(tiny.offer, None, "Spring", ("fb", "", "", "", ""))
    first = _create(offers, store_engine, "p_parent", tiny.parent, new)
    with pytest.raises(LinkError) as caught:  # spaces around the values do not make it another link
        _create(
            offers,
            store_engine,
            "p_parent",
            tiny.parent,
            NewLink(tiny.offer, LANDING, " Spring ", (" fb",) + ("",) * 4),
        )
    assert caught.value.key == "links.duplicate" and caught.value.params == {"link": first.id}
    # another sub, landing page or name is another link; so is the same one once the first is archived
    for other in (NewLink(tiny.offer, None, "Spring", ("fb", "x", "", "", "")),
                  NewLink(tiny.offer, "https://casino.example/vip", "Spring", ("fb", "", "", "", "")),
                  NewLink(tiny.offer, None, "Autumn", ("fb", "", "", "", ""))):  # fmt: skip
        _create(offers, store_engine, "p_parent", tiny.parent, other)
    with session_scope(store_engine) as s:
        set_archived(s, offers.users["p_parent"].scope, first.id, True)
    again = _create(offers, store_engine, "p_parent", tiny.parent, new)
    assert again.id != first.id


def test_a_second_click_on_create_makes_no_second_link(
    offers: Program, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cabinet.ui import once

    at = open_page("pages/06_links.py", offers.users["p_parent"])
    at.text_input(key="links_sub1").input("tg")
    at.button[0].click().run()
    at.button[0].click().run()  # a double click: the link it made is said ready again
    with session_scope(store_engine) as s:
        made = s.scalars(select(TrackingLink.id).where(TrackingLink.sub1 == "tg")).all()
    assert not at.exception and not at.error and not at.warning
    assert len(made) == 1 and at.success[0].value.startswith(f"Link {made[0]} is ready")
    later = once.time.monotonic() + once.WINDOW + 1  # the same link asked for again a while later: the one there is
    monkeypatch.setattr(once.time, "monotonic", lambda: later)
    at.button[0].click().run()
    assert not at.exception and not at.error and not at.success
    assert at.warning[0].value.startswith(f"Link {made[0]} has the same offer")
    assert at.selectbox(key="links_pick").value == made[0]


def test_a_default_name_is_cut_to_fit_a_long_offer_name(offers: Program, store_engine: Engine) -> None:
    """Left empty, a link is named after its offer and sub1: a 197-character offer name made 202 characters, too
    long for the column (PostgreSQL refused it; SQLite kept it)."""
    tiny = offers.tiny
    with session_scope(store_engine) as s:
        s.get(Offer, tiny.offer).name = "Casino " + "x" * 190
    link = _create(offers, store_engine, "p_parent", tiny.parent, NewLink(tiny.offer, subs=("fb", "", "", "", "")))
    assert len(link.name) == NAME_MAX and link.name.startswith("Casino xxx") and link.name.endswith("x… / fb")
    with session_scope(store_engine) as s:
        s.get(Offer, tiny.offer).name = "Casino " + "x" * 188
    fits = _create(offers, store_engine, "p_parent", tiny.parent, NewLink(tiny.offer, subs=("tg", "", "", "", "")))
    assert fits.name == "Casino " + "x" * 188 + " / tg"  # 200 characters: as it is


def test_sub_ids_take_words_of_any_script_with_their_marks(offers: Program, store_engine: Engine) -> None:
    """Devanagari, Thai and Tamil vowel signs and an accent typed as its own character are marks, not `\\w`; a
    value is kept composed ('e' + U+0301 as 'é'), so what looks the same is the same link."""
    tiny = offers.tiny
    words = ("हिंदी", "สวัสดี", "தமிழ்", "cafe\u0301", "Ünïcode-1")
    link = _create(offers, store_engine, "p_parent", tiny.parent, NewLink(tiny.offer, subs=words))
    assert (link.sub1, link.sub2, link.sub3, link.sub4, link.sub5) == ("हिंदी", "สวัสดี", "தமிழ்", "café", "Ünïcode-1")
    with pytest.raises(LinkError) as caught:
        _create(offers, store_engine, "p_parent", tiny.parent,
                NewLink(tiny.offer, subs=("हिंदी", "สวัสดี", "தமிழ்", "café", "Ünïcode-1")))  # fmt: skip
    assert caught.value.key == "links.duplicate"
    for bad in ("\u0301abc", "a b", "-\u0301"):  # a mark with no letter before it is refused still
        with pytest.raises(LinkError, match="cannot carry"):
            _create(offers, store_engine, "p_parent", tiny.parent, NewLink(tiny.offer, subs=(bad, "", "", "", "")))


def test_a_link_comes_back_from_the_archive_only_within_the_rules_for_a_new_link(
    offers: Program, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    tiny, scope = offers.tiny, offers.users["p_parent"].scope
    new = NewLink(tiny.offer, None, "Spring", ("fb", "", "", "", ""))
    first = _create(offers, store_engine, "p_parent", tiny.parent, new)
    with session_scope(store_engine) as s:
        set_archived(s, scope, first.id, True)
    again = _create(offers, store_engine, "p_parent", tiny.parent, new)
    with session_scope(store_engine) as s, pytest.raises(LinkError) as same:  # two identical active links
        set_archived(s, scope, first.id, False)
    assert same.value.key == "links.duplicate_active" and same.value.params == {"link": again.id}
    with session_scope(store_engine) as s:
        set_archived(s, scope, again.id, True)
        set_archived(s, scope, tiny.link, True)
    monkeypatch.setattr("cabinet.tracking.MAX_ACTIVE_LINKS", 1)
    with session_scope(store_engine) as s:
        set_archived(s, scope, first.id, False)  # the only active one
    with session_scope(store_engine) as s, pytest.raises(LinkError) as full:
        set_archived(s, scope, tiny.link, False)
    assert full.value.key == "links.too_many"
    with session_scope(store_engine) as s:
        assert [lk.id for lk in partner_links(s, scope, tiny.parent)] == [first.id]
        restored = s.scalars(select(AuditLog.target).where(AuditLog.action == "link_restored")).all()
    assert restored == [f"link {first.id}"]


def test_a_links_day_of_creation_is_the_viewers(offers: Program, store_engine: Engine) -> None:
    with session_scope(store_engine) as s:
        s.get(TrackingLink, offers.tiny.link).created_at = datetime(2026, 12, 4, 0, 7, 41)  # 19:07 on 3 Dec in New York
    user = dataclasses.replace(offers.users["p_parent"], timezone="America/New_York")
    at = open_page("pages/06_links.py", user)
    assert not at.exception
    assert list(at.dataframe[0].value["Created"]) == ["2026-12-03"]  # not the UTC day, and no made-up midnight


def test_a_link_on_an_offer_paused_since_names_its_offer(offers: Program, store_engine: Engine) -> None:
    # the link stays listed (its clicks still count); its Offer column said "1", the offer's bare id
    with session_scope(store_engine) as s:
        casino = s.get(Offer, offers.tiny.offer)
        casino.status, name = "paused", casino.name
    at = open_page("pages/06_links.py", offers.users["p_parent"])
    assert not at.exception and not at.error
    table = at.dataframe[0].value
    assert [lk.split(" · ")[0] for lk in table["Link"]] == [str(offers.tiny.link)] and list(table["Offer"]) == [name]


def test_the_offer_pickers_say_the_vertical_in_the_users_language(offers: Program) -> None:
    # the Offers page says 'Гемблинг'; the offer picked for a new link or promo code read 'Casino · igaming'
    at = open_page("pages/06_links.py", dataclasses.replace(offers.users["p_parent"], locale="ru"))
    assert not at.exception
    assert "Casino · Гемблинг" in at.selectbox(key="links_offer").options
    mgr = open_page("pages/08_promo_codes.py", dataclasses.replace(offers.users["mgr"], locale="ru"))
    assert not mgr.exception
    assert "Casino · Гемблинг" in mgr.selectbox(key="promo_new_offer").options
    english = open_page("pages/06_links.py", offers.users["p_parent"])
    assert "Casino · iGaming" in english.selectbox(key="links_offer").options


def _asking(user: object, **params: str) -> AppTest:
    """The Links page opened from an address that names an offer (and a partner), as the Creatives page's link does."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state[SESSION_KEY] = user
    at.run()
    at.query_params.update(params)
    return at.switch_page("pages/06_links.py").run()


def test_an_offer_named_in_the_address_is_picked_once_and_only_if_the_partner_may_use_it(
    offers: Program, store_engine: Engine
) -> None:
    tiny = offers.tiny
    with session_scope(store_engine) as s:
        paused = s.scalar(select(Offer.id).where(Offer.name == "Old"))
    at = _asking(offers.users["p_parent"], offer=str(tiny.other_offer))
    assert not at.exception and not at.error and not at.warning
    assert at.selectbox(key="links_offer").value == tiny.other_offer and "offer" not in at.query_params
    at.selectbox(key="links_offer").select(tiny.offer).run()  # read once: the partner's own choice stays
    assert at.selectbox(key="links_offer").value == tiny.offer
    # a gold-only offer for a bronze partner, a paused one, no offer: the page as usual, nothing said
    for user, asked in (("p_bronze", tiny.other_offer), ("p_parent", paused), ("p_parent", "casino"),
                        ("p_parent", "")):  # fmt: skip
        other = _asking(offers.users[user], offer=str(asked))
        assert not other.exception and not other.error and not other.warning
        assert other.selectbox(key="links_offer").value == tiny.offer and "offer" not in other.query_params
    mgr = _asking(offers.users["mgr"], offer=str(tiny.other_offer), partner=str(tiny.parent))
    assert not mgr.exception and mgr.selectbox(key="links_partner").value == tiny.parent
    assert mgr.selectbox(key="links_offer").value == tiny.other_offer
    foreign = _asking(offers.users["mgr"], offer=str(tiny.offer), partner=str(offers.outsider))  # not the manager's
    assert not foreign.exception and not foreign.error and foreign.selectbox(key="links_partner").value == tiny.child


def test_a_pasted_sub_or_name_too_long_stays_in_its_field_and_is_refused_with_the_limit(
    offers: Program, store_engine: Engine
) -> None:
    """A value over the limit pasted into a field with a browser-side limit vanished whole and the link was made
    without it; now it stays typed and the page says the limit."""
    with session_scope(store_engine) as s:
        before = len(s.scalars(select(TrackingLink.id)).all())
    at = open_page("pages/06_links.py", offers.users["p_parent"])
    at.text_input(key="links_sub1").input("x" * 150)
    at.button[0].click().run()
    assert at.text_input(key="links_sub1").value == "x" * 150  # nothing typed is lost
    assert [e.value for e in at.error] == ["sub1 is longer than 100 characters."] and not at.success
    at.text_input(key="links_sub1").input("fb")
    at.text_input(key="links_name").input("n" * 250)
    at.button[0].click().run()
    assert at.text_input(key="links_name").value == "n" * 250
    assert [e.value for e in at.error] == [f"The name is longer than {NAME_MAX} characters."] and not at.success
    with session_scope(store_engine) as s:
        assert len(s.scalars(select(TrackingLink.id)).all()) == before  # no link made without what was typed


def test_a_link_made_for_one_partner_is_not_said_ready_under_another(offers: Program, store_engine: Engine) -> None:
    """A manager makes a link for one partner, then picks another: "Link N is ready" stayed under the other's form, as
    if made for it; back on the first partner it is said again."""
    tiny = offers.tiny
    mgr = open_page("pages/06_links.py", offers.users["mgr"])
    mgr.selectbox(key="links_partner").select(tiny.child).run()
    mgr.text_input(key="links_sub1").input("tg")
    mgr.button[0].click().run()
    assert not mgr.exception and mgr.success[0].value.startswith("Link ")
    mgr.selectbox(key="links_partner").select(tiny.parent).run()
    assert not mgr.exception and not mgr.success
    mgr.selectbox(key="links_partner").select(tiny.child).run()
    assert mgr.success[0].value.startswith("Link ")
