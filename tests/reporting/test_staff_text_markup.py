"""Text staff type (a creative's name, an offer's name, a reason for declining, the program's name) and an address's
`view_as` are shown as typed: Markdown in them never becomes a link, a remote image or emphasis on anyone's page."""

from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from cabinet.offer_access import decide, request_access
from cabinet.session import SESSION_KEY
from cabinet.store.db import session_scope
from cabinet.store.models import Creative, Offer, ProgramSettings
from tests.reporting.conftest import Program
from tests.reporting.test_links import offers  # noqa: F401 - the fixture: offers partners may run
from tests.reporting.test_pages import ROOT
from tests.reporting.test_pages import _open as open_page

LINK = "[Claim](https://evil.example/x) ![](https://evil.example/p.png)"
ESCAPED = r"\[Claim\]\(https://evil\.example/x\) \!\[\]\(https://evil\.example/p\.png\)"
BANNER, BANNER_ESCAPED = "banner_*new*_300x250", r"banner\_\*new\*\_300x250"


def _texts(at: AppTest) -> str:
    """Every Markdown-rendering element's text on the page, the sidebar's too."""
    kinds = ("markdown", "caption", "title", "warning", "info", "success", "error")
    return "\n".join(e.value for kind in kinds for e in at.get(kind))


def test_a_creatives_name_and_its_offers_name_are_shown_as_typed(
    offers: Program,  # noqa: F811
    store_engine: Engine,
) -> None:
    program = offers
    root = program.tiny.settings.creatives_dir
    root.mkdir(parents=True, exist_ok=True)
    png = io.BytesIO()
    Image.new("RGB", (300, 250), (10, 20, 30)).save(png, format="PNG")
    (root / "b.png").write_bytes(png.getvalue())
    with session_scope(store_engine) as s:
        s.get(Offer, program.tiny.offer).name = f"Casino {LINK}"
        s.add(Creative(offer_id=program.tiny.offer, name=BANNER, file_path="b.png", width=300, height=250,
                       size_bytes=100))  # fmt: skip
    at = open_page("pages/07_creatives.py", program.users["p_parent"])
    assert not at.exception
    assert f"**{BANNER_ESCAPED}**" in [m.value for m in at.markdown]
    assert any(c.value.startswith(f"Casino {ESCAPED} · 300x250") for c in at.caption)
    assert LINK not in _texts(at) and BANNER not in _texts(at)
    admin = open_page("pages/20_catalogue.py", program.users["root"])
    admin.selectbox(key="catalogue_pick").select(program.tiny.offer).run()
    assert not admin.exception and any(c.value.startswith(f"{BANNER_ESCAPED} · 300x250") for c in admin.caption)
    assert BANNER not in _texts(admin)


def test_a_reason_for_declining_is_shown_to_the_partner_as_typed(program: Program, store_engine: Engine) -> None:
    with session_scope(store_engine) as s:
        vip = Offer(name="VIP Casino", vertical="igaming", landing_urls=["https://vip.example"], access="approval")
        s.add(vip)
        s.flush()
        access_id = request_access(s, program.users["p_parent"].scope, program.tiny.parent, vip.id).id
    with session_scope(store_engine) as s:
        decide(s, program.users["mgr"].scope, access_id, False, f"Appeal here: {LINK}")
    at = open_page("pages/19_offers.py", program.users["p_parent"])
    assert not at.exception
    assert any(c.value.endswith(f"Reason: Appeal here: {ESCAPED}") for c in at.caption)
    assert LINK not in _texts(at)


def test_the_programs_name_is_shown_as_typed(program: Program, store_engine: Engine) -> None:
    with session_scope(store_engine) as s:
        s.get(ProgramSettings, 1).name = f"**Big** {LINK}"
    at = open_page("app.py", program.users["p_parent"])
    assert not at.exception
    assert at.title[0].value == rf"\*\*Big\*\* {ESCAPED}"
    assert rf"**\*\*Big\*\* {ESCAPED}**" in [m.value for m in at.sidebar.markdown]
    assert LINK not in _texts(at)


def test_an_address_naming_no_partner_is_quoted_as_typed(program: Program) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state[SESSION_KEY] = program.users["mgr"]
    at.query_params["view_as"] = "![](https://ev.il/a)"  # sent to a manager as a link: 20 characters are enough
    at.run()
    assert not at.exception
    assert r"\!\[\]\(https://ev\.il/a\)" in "\n".join(w.value for w in at.warning)
    assert "![](https://ev.il/a)" not in _texts(at)
