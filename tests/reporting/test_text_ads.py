"""Text ads: an admin writes one for an offer (or the program), naming where the partner's link goes with {link};
partners who may run the offer copy or download it with their own link in place."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from cabinet.access import ScopeError
from cabinet.creatives import partner_creatives, with_link
from cabinet.creatives_admin import TEXT_MAX, CreativeError, NewText, add_text
from cabinet.i18n import translate
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, Creative
from cabinet.tracking import NewLink, create_link
from tests.reporting.conftest import Program
from tests.reporting.test_links import offers  # noqa: F401 - the fixture: offers with landing pages
from tests.reporting.test_pages import _open as open_page

PLAY = "Play at Casino tonight:\r\n{link}   \n\nBonus on the first deposit."


def _text(program: Program, engine: Engine, new: NewText, user: str = "root") -> int:
    with session_scope(engine) as s:
        return add_text(s, program.users[user].scope, program.tiny.settings.creatives_dir, new).id


def test_a_text_ad_is_stored_and_partners_get_it_with_their_link(
    offers: Program,  # noqa: F811
    store_engine: Engine,
) -> None:
    program = offers
    ad = _text(program, store_engine, NewText("  Tonight  ", PLAY, program.tiny.offer, "en"))
    with session_scope(store_engine) as s:
        row = s.get(Creative, ad)
        assert (row.name, row.kind, row.mime_type, row.width, row.locale) == (
            "Tonight",
            "text",
            "text/plain",
            None,
            "en",
        )
        stored = (program.tiny.settings.creatives_dir / row.file_path).read_text()
        assert stored == "Play at Casino tonight:\n{link}\n\nBonus on the first deposit."  # line ends made one kind
        assert [i.kind for i in partner_creatives(s, program.users["p_parent"].scope, None)] == ["text"]
        log = s.scalar(select(AuditLog).where(AuditLog.action == "creative_added"))
        assert (log.details["kind"], log.details["size"]) == ("text", f"{len(stored.encode())} bytes")
    assert with_link(stored, "https://trk.example.com/c/x").splitlines()[1] == "https://trk.example.com/c/x"
    assert with_link(stored, None) == stored  # no link yet: the place for it stays marked
    with pytest.raises(CreativeError) as twin:
        _text(program, store_engine, NewText("Again", PLAY, program.tiny.offer))
    assert twin.value.key == "catalogue.file_twin"


@pytest.mark.parametrize(
    ("name", "text", "key"),
    [
        ("Ad", "Play now, no link here", "catalogue.text_no_link"),
        ("Ad", "   ", "catalogue.text_length"),
        ("Ad", "{link} " + "x" * TEXT_MAX, "catalogue.text_length"),
        ("Ad", "{link}\x07", "catalogue.text_control"),
        ("  ", "{link}", "catalogue.text_no_name"),
    ],
)
def test_a_text_ad_that_would_not_work_is_refused(
    program: Program, store_engine: Engine, name: str, text: str, key: str
) -> None:
    with pytest.raises(CreativeError) as refused:
        _text(program, store_engine, NewText(name, text, program.tiny.offer))
    assert refused.value.key == key
    with session_scope(store_engine) as s:
        assert s.scalar(select(Creative.id)) is None
    assert not list(program.tiny.settings.creatives_dir.rglob("*.txt"))


def test_only_an_admin_writes_one(program: Program, store_engine: Engine) -> None:
    with pytest.raises(ScopeError):
        _text(program, store_engine, NewText("Ad", "{link}", None), user="mgr")


def test_the_pages_add_one_and_show_it_with_the_partners_link(
    offers: Program,  # noqa: F811
    store_engine: Engine,
) -> None:
    program = offers
    admin = open_page("pages/20_catalogue.py", program.users["root"])
    pick = admin.selectbox(key="catalogue_pick").value
    admin.text_input(key=f"catalogue_text_name_{pick}").input("Tonight")
    admin.text_area(key=f"catalogue_text_body_{pick}").input("Play now")  # no {link}: refused, kept
    admin.button(key=f"FormSubmitter:catalogue_text_{pick}-Add the text ad").click().run()
    assert [e.value for e in admin.error] == ["Say where the partner's link goes: write {link} in the text."]
    admin.text_area(key=f"catalogue_text_body_{pick}").input("Play now: {link}")
    admin.button(key=f"FormSubmitter:catalogue_text_{pick}-Add the text ad").click().run()
    assert not admin.exception and not admin.error
    with session_scope(store_engine) as s:
        ad = s.scalar(select(Creative).where(Creative.kind == "text"))
        assert (ad.name, ad.offer_id) == ("Tonight", pick)
    assert admin.text_input(key=f"catalogue_text_name_{pick}").value == ""
    if pick != program.tiny.offer:  # the parent's link is on the casino offer
        with session_scope(store_engine) as s:
            s.get(Creative, ad.id).offer_id = program.tiny.offer
    page = open_page("pages/07_creatives.py", program.users["p_parent"])
    assert not page.exception
    assert f"Play now: https://trk.example.com/c/{program.tiny.token}" in [c.value for c in page.code]
    page.selectbox(key="creatives_size").select("text").run()  # the size list offers the text ads on their own
    assert page.caption[0].value == "1 creative." and [c.value for c in page.code] == [
        f"Play now: https://trk.example.com/c/{program.tiny.token}"
    ]


def test_a_program_wide_text_ad_gets_the_partners_newest_link_of_any_offer(
    offers: Program,  # noqa: F811
    store_engine: Engine,
) -> None:
    """It has no offer to take a link of: it was shown with `{link}` to every partner, links or not."""
    program = offers
    _text(program, store_engine, NewText("Join us", "Sign up with us: {link}", None))
    with session_scope(store_engine) as s:  # the parent's newest: on the shop, after its casino link
        newer = create_link(s, program.users["p_parent"].scope, program.tiny.parent,
                            NewLink(program.tiny.other_offer, None, "", ("", "", "", "", "")),
                            program.tiny.settings.require_link_key()).token  # fmt: skip
    page = open_page("pages/07_creatives.py", program.users["p_parent"])
    assert not page.exception and [c.value for c in page.code] == [
        f"Sign up with us: https://trk.example.com/c/{newer}"
    ]
    assert translate("creatives.no_link_any") not in [c.value for c in page.caption]
    bronze = open_page("pages/07_creatives.py", program.users["p_bronze"])  # no link at all: told to make one
    assert not bronze.exception and [c.value for c in bronze.code] == ["Sign up with us: {link}"]
    assert translate("creatives.no_link_any") in [c.value for c in bronze.caption]
    assert [p.label for p in bronze.get("page_link")].count(translate("creatives.make_link")) == 1


def test_staff_read_that_the_partner_picked_has_no_link(offers: Program, store_engine: Engine) -> None:  # noqa: F811
    """A manager picking a partner without links read "You have no link for this offer yet", as if of their own."""
    program = offers
    _text(program, store_engine, NewText("Join us", "Sign up with us: {link}", None))
    mgr = open_page("pages/07_creatives.py", program.users["mgr"])
    mgr.selectbox(key="creatives_partner").select(program.tiny.child).run()
    captions = [c.value for c in mgr.caption]
    assert not mgr.exception and translate("creatives.partner_no_link_any") in captions
    assert translate("creatives.no_link_any") not in captions and translate("creatives.no_link") not in captions
