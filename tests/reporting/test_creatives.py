"""Creatives: a partner sees and downloads the banners of the offers its tier runs (and the program's own), each
with its link for the offer; a store path that leaves the creatives directory is never read."""

from __future__ import annotations

import io
from urllib.parse import parse_qs

import pytest
from PIL import Image
from sqlalchemy import Engine, select

from cabinet.creatives import creative_file, links_by_offer, partner_creatives
from cabinet.i18n import translate
from cabinet.store.db import session_scope
from cabinet.store.models import Creative, Offer
from tests.reporting.conftest import Program
from tests.reporting.test_links import offers  # noqa: F401 - the fixture, reused
from tests.reporting.test_pages import _open as open_page


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 20, 30)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def banners(offers: Program, store_engine: Engine) -> Program:  # noqa: F811
    """Casino 300x250 and 728x90, the gold-only shop 728x90, a program-wide logo, a paused offer's banner, one row
    whose file is gone and one whose path leaves the directory (at a real file)."""
    root = offers.tiny.settings.creatives_dir
    root.mkdir(parents=True, exist_ok=True)
    (root.parent / "secret.txt").write_text("not a creative")
    files = {"casino_300.png": (300, 250), "casino_728.png": (728, 90), "shop_728.png": (728, 90),
             "logo.png": (120, 60), "old.png": (300, 250)}  # fmt: skip
    for name, (w, h) in files.items():
        (root / name).write_bytes(_png(w, h))
    with session_scope(store_engine) as s:
        paused = Offer(name="Old", vertical="forex", landing_urls=["https://old.example"], status="paused")
        s.add(paused)
        s.flush()
        rows = [(offers.tiny.offer, "Casino 300", "casino_300.png", 300, 250),
                (offers.tiny.offer, "Casino 728", "casino_728.png", 728, 90),
                (offers.tiny.other_offer, "Shop 728", "shop_728.png", 728, 90), (None, "Logo", "logo.png", 120, 60),
                (paused.id, "Old", "old.png", 300, 250), (offers.tiny.offer, "Gone", "gone.png", 300, 250),
                (offers.tiny.offer, "Sneaky", "../secret.txt", 300, 250)]  # fmt: skip
        for offer, name, path, w, h in rows:
            s.add(Creative(offer_id=offer, name=name, file_path=path, width=w, height=h, size_bytes=100))
    return offers


def test_each_tier_sees_its_offers_banners_and_paths_stay_inside(banners: Program, store_engine: Engine) -> None:
    root = banners.tiny.settings.creatives_dir
    with session_scope(store_engine) as s:
        gold = partner_creatives(s, banners.users["p_parent"].scope, None)  # a partner: its own, whatever it asks
        bronze = partner_creatives(s, banners.users["p_bronze"].scope, None)
        admin = partner_creatives(s, banners.users["root"].scope, None)
        links = links_by_offer(s, banners.users["p_parent"].scope, banners.tiny.parent)
    # the program's logo first (no offer), then by offer and the biggest area first; never the paused offer's
    assert [i.name for i in gold] == ["Logo", "Casino 300", "Gone", "Sneaky", "Casino 728", "Shop 728"]
    assert [i.name for i in bronze] == ["Logo", "Casino 300", "Gone", "Sneaky", "Casino 728"]  # the shop: gold only
    assert {i.name for i in admin} == {i.name for i in gold}
    files = {i.name: creative_file(root, i) for i in gold}
    assert files["Casino 300"] == (root / "casino_300.png").read_bytes()
    assert files["Gone"] is None and files["Sneaky"] is None  # missing; outside the directory (the file exists)
    assert list(links) == [banners.tiny.offer] and links[banners.tiny.offer].id == banners.tiny.link


def test_the_page_shows_downloads_filters_and_the_partners_link(banners: Program) -> None:
    at = open_page("pages/07_creatives.py", banners.users["p_parent"])
    assert not at.exception and not at.error
    assert [b.label for b in at.get("download_button")].count("Download") == 4  # not the gone or the outside one
    assert len(at.warning) == 2
    assert at.code[0].value == f"https://trk.example.com/c/{banners.tiny.token}"  # each casino banner with its link
    assert "Your link for this offer:" in [c.value for c in at.caption]
    at.selectbox(key="creatives_size").select("728x90").run()
    assert at.caption[0].value == "2 creatives." and len(at.get("download_button")) == 2
    at.selectbox(key="creatives_offer").select("Shop").run()
    assert at.caption[0].value == "1 creative." and "Create a link" in [p.label for p in at.get("page_link")]
    mgr = open_page("pages/07_creatives.py", banners.users["mgr"])
    assert not mgr.exception and mgr.selectbox(key="creatives_partner").options[0] == "Every active offer"
    mgr.selectbox(key="creatives_partner").select(banners.tiny.parent).run()  # its links, not the manager's
    captions = [c.value for c in mgr.caption]
    assert "The partner's link for this offer:" in captions and "Your link for this offer:" not in captions


def test_create_a_link_opens_the_links_page_with_the_banners_offer(banners: Program) -> None:
    # the Links page picks the offer the address names (tests/reporting/test_links.py); it opened on its first offer
    tiny = banners.tiny
    at = open_page("pages/07_creatives.py", banners.users["p_parent"])
    assert not at.exception
    asked = [parse_qs(p.proto.query_string) for p in at.get("page_link") if p.proto.label == "Create a link"]
    assert asked == [{"offer": [str(tiny.other_offer)]}]  # the shop's banner: the casino has its link already
    mgr = open_page("pages/07_creatives.py", banners.users["mgr"])
    mgr.selectbox(key="creatives_partner").select(tiny.parent).run()  # and staff, the partner picked here
    asked = [parse_qs(p.proto.query_string) for p in mgr.get("page_link") if p.proto.label == "Create a link"]
    assert asked == [{"offer": [str(tiny.other_offer)], "partner": [str(tiny.parent)]}]


def _picture(mode: str, kind: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (120, 60), 1000 if mode.startswith("I") else 1).save(out, format=kind)
    return out.getvalue()


STORED = [("1", "PNG"), ("L", "PNG"), ("LA", "PNG"), ("P", "PNG"), ("RGB", "PNG"), ("RGBA", "PNG"), ("CMYK", "JPEG"),
          ("L", "GIF"), ("RGBA", "WEBP"), ("I;16", "PNG")]  # fmt: skip


@pytest.fixture
def every_mode(program: Program, store_engine: Engine) -> Program:
    """Program-wide banners stored as uploaded before uploads were converted: one in each mode Pillow reads them in,
    a 16-bit greyscale PNG among them, then a file damaged on disk."""
    root = program.tiny.settings.creatives_dir
    root.mkdir(parents=True, exist_ok=True)
    files = {f"{mode}-{kind}.{kind.lower()}": _picture(mode, kind) for mode, kind in STORED}
    files["damaged.png"] = b"\x89PNG\r\n\x1a\n not a picture any more"
    with session_scope(store_engine) as s:
        for name, content in files.items():
            (root / name).write_bytes(content)
            s.add(Creative(name=name, file_path=name, width=120, height=60, size_bytes=len(content)))
    return program


def test_a_banner_that_cannot_be_drawn_as_stored_breaks_no_card(every_mode: Program, store_engine: Engine) -> None:
    """A 16-bit greyscale PNG raised `cannot write mode I;16 as JPEG` and stopped the page; now it is drawn converted,
    and a file that cannot be drawn at all is a short note, its download still there."""
    at = open_page("pages/07_creatives.py", every_mode.users["p_parent"])
    assert not at.exception and len(at.get("image")) == len(STORED)
    assert [c.value for c in at.caption].count(translate("creatives.no_preview")) == 1
    assert len(at.get("download_button")) == len(STORED) + 1
    admin = open_page("pages/20_catalogue.py", every_mode.users["root"])
    admin.radio(key=f"catalogue_creatives_for_{admin.selectbox(key='catalogue_pick').value}").set_value(0).run()
    assert not admin.exception and len(admin.get("image")) == len(STORED)
    assert [c.value for c in admin.caption].count(translate("catalogue.no_preview")) == 1
    with session_scope(store_engine) as s:
        ids = list(s.scalars(select(Creative.id)))
    assert {f"catalogue_remove_{i}" for i in ids} <= {b.key for b in admin.button}  # each card's own, to the last
