"""What a screen reader and weak eyes are given by the cabinet's own markup: every picture it draws has a text
alternative (banners, QR codes, the logo), the page says its language, captions are dark enough to read."""

from __future__ import annotations

import dataclasses
import json
import re
import tomllib

import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from cabinet.colours import contrast
from cabinet.session import SessionUser
from cabinet.store.db import session_scope
from cabinet.store.models import ProgramSettings
from cabinet.ui.branding import TITLE
from cabinet.ui.text import LOCALE_KEY
from tests.reporting.conftest import Program
from tests.reporting.test_creatives import banners  # noqa: F401 - the fixture, reused
from tests.reporting.test_links import offers  # noqa: F401 - the fixture, reused
from tests.reporting.test_logo import _png, _set
from tests.reporting.test_pages import ROOT
from tests.reporting.test_pages import _open as open_page


def _in(program: Program, user: str, locale: str) -> SessionUser:
    return dataclasses.replace(program.users[user], locale=locale)


def _alts(at) -> list[str | None]:  # type: ignore[no-untyped-def]
    """The alt text of every picture the page draws (None: the picture has none)."""
    return [img.alt if img.HasField("alt") else None for element in at.get("image") for img in element.proto.imgs]


def test_each_banner_preview_is_named_for_a_screen_reader(banners: Program) -> None:  # noqa: F811
    """A partner on the Creatives page, an admin in the Catalogue: a banner without alt text was read out as its file
    address, or not at all."""
    at = open_page("pages/07_creatives.py", banners.users["p_parent"])
    assert not at.exception
    assert _alts(at) == ["Banner: Logo", "Banner: Casino 300", "Banner: Casino 728", "Banner: Shop 728"]
    ru = open_page("pages/07_creatives.py", _in(banners, "p_parent", "ru"))
    assert _alts(ru)[0] == "Баннер: Logo"  # the name as typed, the rest in the session's language
    admin = open_page("pages/20_catalogue.py", banners.users["root"])
    admin.radio(key=f"catalogue_creatives_for_{admin.selectbox(key='catalogue_pick').value}").set_value(0).run()
    assert not admin.exception and _alts(admin) == ["Banner: Logo"]


def test_qr_codes_say_what_they_hold(offers: Program) -> None:  # noqa: F811
    """The link's QR code (its address), the invitation's, and the two-step login key's."""
    tiny = offers.tiny
    links = open_page("pages/06_links.py", offers.users["p_parent"])
    assert not links.exception
    assert _alts(links) == [f"QR code of https://trk.example.com/c/{tiny.token}"]
    subs = open_page("pages/04_subpartners.py", offers.users["p_parent"])
    assert not subs.exception and _alts(subs) == ["QR code of the invitation link"]
    account = open_page("pages/10_account.py", offers.users["p_parent"])
    assert not account.exception
    assert _alts(account) == ["QR code of the key for your authenticator app (the key is also written beside it)"]


@pytest.mark.parametrize(
    ("locale", "alt"), [("en", "Current logo of {name}"), ("ru", "Текущий логотип программы «{name}»")]
)
def test_the_logo_in_program_settings_is_named(program: Program, store_engine: Engine, locale: str, alt: str) -> None:
    _set(program, store_engine, _png())
    at = open_page("pages/12_program.py", _in(program, "root", locale))
    assert not at.exception and _alts(at) == [alt.format(name=at.text_input(key="program_name").value)]


def _said_language(at) -> list[str]:  # type: ignore[no-untyped-def]
    """The languages the page's scripts set on `<html lang>`, in the order they run."""
    return re.findall(r'documentElement\.lang = "(\w+)"', " ".join(h.proto.body for h in at.get("html")))


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_the_page_says_its_language(program: Program, locale: str) -> None:
    """Streamlit's page says lang="en" always: a screen reader read the Russian cabinet with English rules. The login
    page in the language chosen on it, each page in the user's."""
    login = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    login.session_state[LOCALE_KEY] = locale
    login.run()
    assert not login.exception and _said_language(login) == [locale]
    for page in ("app.py", "pages/02_reports.py", "pages/10_account.py"):
        at = open_page(page, _in(program, "p_parent", locale))
        assert not at.exception and _said_language(at) == [locale]  # once: two run in either order in the browser


def test_captions_are_dark_enough_to_read(program: Program) -> None:
    """Streamlit draws a caption in the text colour at 60% opacity: 4.37:1 on the page, 4.25:1 on the sidebar, under
    WCAG 2 AA's 4.5:1 (periods, "data as of", every help line). Every page, the login page too, draws them opaque in a
    colour that reads 4.5:1 on both of the theme's backgrounds."""
    theme = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))["theme"]
    for page, user in (("app.py", None), ("pages/01_dashboard.py", program.users["p_parent"])):
        at = open_page(page, user)
        styles = " ".join(h.proto.body for h in at.get("html"))
        rule = re.search(r'\[data-testid="stCaptionContainer"\] \{ opacity: 1; color: (#[0-9a-f]{6}); \}', styles)
        assert not at.exception and rule is not None, page
        for background in (theme["backgroundColor"], theme["secondaryBackgroundColor"]):
            assert contrast(rule.group(1), background) >= 4.5


def _tint(colour: str, background: str, alpha: float) -> str:
    """`colour` at `alpha` opacity over `background`, as #rrggbb."""
    mixed = (alpha * int(colour[i : i + 2], 16) + (1 - alpha) * int(background[i : i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{round(c):02x}" for c in mixed)


def test_the_themes_accent_reads_as_text_where_streamlit_writes_it() -> None:
    """Streamlit writes the theme's primary colour as text: a selected pill's label on the colour's own 10% tint (the
    Emails page's filter was 4.07:1), a selected tab's, a link in the sidebar; and white on it (a primary button)."""
    theme = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))["theme"]
    primary, page, sidebar = theme["primaryColor"], theme["backgroundColor"], theme["secondaryBackgroundColor"]
    for background in (_tint(primary, page, 0.1), page, sidebar, "#ffffff"):
        assert contrast(primary, background) >= 4.5, background


def _chart_tables(at) -> list[str]:  # type: ignore[no-untyped-def]
    return [h.proto.body for h in at.get("html") if "cabinet-chart-text" in h.proto.body]


def test_a_charts_figures_are_there_for_a_screen_reader(program: Program) -> None:
    """Plotly's SVG gives a screen reader the axes' ticks and no values: the Dashboard's daily trend was nowhere else
    on its page. Each chart has its figures in a table out of sight, a row a bar."""
    at = open_page("pages/01_dashboard.py", program.users["p_parent"])
    assert not at.exception
    bars = json.loads(at.get("plotly_chart")[0].proto.spec)["data"][0]
    [table] = _chart_tables(at)
    assert "<caption>Chart figures: Clicks (Day)</caption>" in table
    assert table.count("<tr>") == len(bars["x"]) + 1  # the head, then a row a day
    assert bars["x"] == ["2026-11-01"] and "<tr><td>2026-11-01</td><td>2</td></tr>" in table  # k1 and k2, that day


def test_chart_figures_are_escaped_and_in_the_sessions_language() -> None:
    def page() -> None:
        import plotly.express as px
        import streamlit as st

        from cabinet.ui.charts import show_chart
        from cabinet.ui.text import LOCALE_KEY

        st.session_state[LOCALE_KEY] = "ru"
        frame = {"sub1": ["<b>tg</b>", "fb"], "commission": [1234.5, 7.0], "offer": ["A & B", "C"]}
        show_chart(px.bar(frame, x="sub1", y="commission", color="offer", labels={"commission": "Комиссия"}), "sub1")

    at = AppTest.from_function(page).run()
    assert not at.exception
    [table] = _chart_tables(at)
    assert "<caption>Данные графика: Комиссия (sub1)</caption>" in table
    assert '<th scope="col">offer</th>' in table and "<b>" not in table.split("</style>")[1]
    assert "<td>A &amp; B</td><td>&lt;b&gt;tg&lt;/b&gt;</td><td>1\xa0234,50</td>" in table
    assert "<td>C</td><td>fb</td><td>7</td>" in table


@pytest.mark.parametrize(("picked", "heading", "button"), [("#ffd400", "#a68a00", "#8c7500"), ("#1f6feb", None, None)])
def test_a_light_brand_colour_is_darkened_where_text_is(
    program: Program, store_engine: Engine, picked: str, heading: str | None, button: str | None
) -> None:
    """Program settings take any colour; the title is drawn in it and primary buttons' white labels on it: a yellow
    brand read 1.5:1. The title (44 px bold in Chromium, at 1280 and 390 px: large text) gets a shade of it at 3:1,
    buttons one at 4.5:1 under white; a colour that reads already is kept."""
    with session_scope(store_engine) as s:
        s.get(ProgramSettings, 1).primary_color = picked  # type: ignore[union-attr]
    at = open_page("pages/01_dashboard.py", program.users["p_parent"])
    css = next(m.value for m in at.markdown if m.value.startswith(f"<style>{TITLE}"))
    drawn = re.search(r"h1 \{ color: (#\w+); \} button\[kind='primary'\], [^{]+\{ background-color: (#\w+);", css)
    assert not at.exception and drawn is not None
    assert drawn.groups() == (heading or picked, button or picked)
    assert contrast(drawn.group(1), "#ffffff") >= 3.0 and contrast("#ffffff", drawn.group(2)) >= 4.5


def test_a_focused_control_is_outlined_in_a_colour_that_can_be_seen(program: Program) -> None:
    """Streamlit rings a focused button, link or expander in the primary colour at 50% opacity: 2.2:1 on white, under
    the 3:1 WCAG asks of a focus indicator. Every page, the login page too, outlines them in a solid colour."""
    theme = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))["theme"]
    for page, user in (("app.py", None), ("pages/02_reports.py", program.users["p_parent"])):
        at = open_page(page, user)
        styles = " ".join(h.proto.body for h in at.get("html"))
        rule = re.search(r"button:focus-visible, a:focus-visible, summary:focus-visible \{ outline: 2px solid "
                         r"(#[0-9a-f]{6}) !important;", styles)  # fmt: skip
        assert not at.exception and rule is not None, page
        for background in (theme["backgroundColor"], theme["secondaryBackgroundColor"]):
            assert contrast(rule.group(1), background) >= 3.0
