"""A partner's cabinet on a phone: Chromium as a 390 × 844 touch screen (`pointer: coarse`, as a phone's browser says)
against a demo cabinet, signed in as the gold partner."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import IDLE, RESULTS_DIR, Server, fresh_page, open_signed_in
from tests.e2e.test_reports_browser import demo_server  # noqa: F401 - the fixture: a demo cabinet of its own

pytestmark = pytest.mark.browser
MAIN = '[data-testid="stMain"]'  # the page's scrolling part
# where an element's text is drawn (its box has its padding too)
WORDS = """e => { const range = document.createRange(); range.selectNodeContents(e);
  const r = range.getBoundingClientRect(); return {x: r.x, y: r.y, width: r.width, height: r.height}; }"""


@pytest.fixture
def phone(chromium: object) -> Iterator[object]:
    """A fresh phone-sized touch-screen context (no cookies) and page per test; the clipboard may be read."""
    yield from fresh_page(chromium, ("clipboard-read", "clipboard-write"), viewport={"width": 390, "height": 844},
                          device_scale_factor=3, is_mobile=True, has_touch=True)  # fmt: skip


def _box(locator) -> dict[str, float]:  # type: ignore[no-untyped-def]
    box = locator.bounding_box()
    assert box is not None, locator
    return box


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and (b["y"] < a["y"] + a["height"])
    )


def _swipe_up(phone, x: float, y: float, distance: float) -> None:  # type: ignore[no-untyped-def]
    """A finger's swipe upwards from (x, y), as touch events (Playwright's touchscreen only taps)."""
    cdp = phone.context.new_cdp_session(phone)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    for step in range(1, 11):
        cdp.send(
            "Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y - distance * step / 10}]}
        )
        time.sleep(0.02)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


def test_a_table_s_toolbar_leaves_the_line_above_it_whole(phone, demo_server: Server) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """On a touch screen Streamlit pins a table's toolbar above it: it covered the end of the heading over the table
    ("By the week of the clic…")."""
    open_signed_in(phone, demo_server, "time_to_convert")
    heading = phone.get_by_role("heading", name="By the week of the click")
    toolbar = phone.locator('[data-testid="stDataFrame"] [data-testid="stElementToolbar"]').first
    toolbar.wait_for()
    phone.screenshot(path=str(RESULTS_DIR / "e2e_phone_time_to_convert.png"))
    words = heading.evaluate(WORDS)
    assert not _overlap(_box(toolbar), words), (words, _box(toolbar))


def test_the_tracking_link_is_copied_with_one_tap(phone, demo_server: Server) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """The link offered to copy has its copy button in sight (Streamlit shows it on hover, which a finger does not
    give), clear of the link's text; one tap puts the link on the clipboard."""
    open_signed_in(phone, demo_server, "links")
    code = phone.locator('[data-testid="stCode"]')
    button = code.get_by_role("button", name="Copy to clipboard")
    code.scroll_into_view_if_needed()
    expect(button).to_be_visible()
    assert not _overlap(_box(button), _box(code.locator("code span").first))
    button.tap()
    link = code.locator("code").inner_text().strip()
    assert link.startswith("http") and phone.evaluate("navigator.clipboard.readText()") == link


def test_a_page_picked_in_the_menu_opens_with_the_menu_folded(phone, demo_server: Server) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """Below 768 px the menu opens over the page: the page picked in it opened under the menu, still open."""
    open_signed_in(phone, demo_server, "dashboard")
    sidebar = phone.locator('[data-testid="stSidebar"]')
    expect(sidebar).to_have_attribute("data-collapsed", "true")
    phone.locator('[data-testid="stExpandSidebarButton"]').tap()
    expect(sidebar).to_have_attribute("data-collapsed", "false")
    phone.get_by_role("link", name="Reports").tap()
    expect(phone.get_by_role("heading", name="Reports")).to_be_visible()
    expect(sidebar).to_have_attribute("data-collapsed", "true")


def test_a_long_chosen_metric_is_read_whole_in_russian(phone, demo_server: Server) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """Reports' metrics picker: the Russian name of commission was cut to "Комиссия (без отклонённых и отменё…"."""
    logins = {r["username"]: r["password"] for r in json.loads((demo_server.data_dir / "demo_logins.json").read_text())}
    partner = dataclasses.replace(demo_server, username="partner_a", password=logins["partner_a"])
    phone.goto(partner.url)
    phone.locator(IDLE).wait_for()
    phone.get_by_text("Русский", exact=True).tap()  # the login's language from now on
    expect(phone.get_by_label("Логин", exact=True)).to_be_visible()
    phone.locator(IDLE).wait_for()
    phone.get_by_label("Логин", exact=True).fill(partner.username)
    phone.get_by_label("Пароль", exact=True).fill(partner.password)
    phone.get_by_role("button", name="Войти").tap()
    phone.locator(".st-key-logout_button button").wait_for()
    phone.goto(f"{partner.url}/reports")
    chip = phone.locator('[data-tag] span[title="Комиссия (без отклонённых и отменённых)"]')
    chip.wait_for()
    phone.screenshot(path=str(RESULTS_DIR / "e2e_phone_reports_ru.png"))
    assert chip.evaluate("e => e.scrollWidth <= e.clientWidth"), chip.evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert _box(phone.locator('[data-tag]:has(span[title="Клики"])'))["height"] >= 28  # a short one as easy to tap


def test_a_swipe_over_a_chart_scrolls_the_page_and_a_tap_tells_a_bar(phone, demo_server: Server) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """A swipe on the Dashboard's chart (half the screen) zoomed the chart and left the page where it was."""
    open_signed_in(phone, demo_server, "dashboard")
    chart = phone.locator(".js-plotly-plot").first
    chart.scroll_into_view_if_needed()
    phone.locator(MAIN).evaluate("e => { e.scrollTop -= 200; }")  # the chart low on the screen, room to scroll
    phone.locator(IDLE).wait_for()
    before = phone.locator(MAIN).evaluate("e => e.scrollTop")
    box = _box(chart)
    _swipe_up(phone, box["x"] + box["width"] / 2, min(box["y"] + box["height"] / 2, 700), 250)
    phone.wait_for_timeout(500)
    assert phone.locator(MAIN).evaluate("e => e.scrollTop") > before + 100
    bar = _box(chart.locator("g.point path").nth(3))
    phone.touchscreen.tap(bar["x"] + bar["width"] / 2, bar["y"] + bar["height"] - 3)
    expect(chart.locator(".hoverlayer .hovertext")).to_have_count(1)


def test_a_legend_goes_under_its_chart(phone, demo_server: Server) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """Reports grouped by day and country: beside the plot the legend took a third of the chart's width (30 days of
    bars in 186 of 358 px) and ran past the chart's right edge."""
    open_signed_in(phone, demo_server, "reports")
    phone.get_by_label("Group by").tap()
    phone.get_by_role("option", name="Country", exact=True).tap()
    phone.keyboard.press("Escape")
    chart = phone.locator(".js-plotly-plot").first
    legend = chart.locator(".legend")
    legend.wait_for()
    chart.scroll_into_view_if_needed()
    phone.screenshot(path=str(RESULTS_DIR / "e2e_phone_reports_legend.png"))
    whole, plot, key = _box(chart), _box(chart.locator(".nsewdrag").first), _box(legend)
    assert plot["width"] > 0.8 * whole["width"] and not _overlap(plot, key), (whole, plot, key)
    assert key["x"] + key["width"] <= whole["x"] + whole["width"], (whole, key)


def test_the_cohort_chart_s_toolbar_covers_none_of_its_axis(phone, demo_server: Server) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """Plotly's toolbar shows at all times on a touch screen, at the chart's top, where the periods are named: it
    covered the upright "Week 0" … "Week 8"."""
    open_signed_in(phone, demo_server, "cohorts")
    chart = phone.locator(".js-plotly-plot").first
    chart.locator(".xtick text").first.wait_for(state="attached")
    chart.scroll_into_view_if_needed()
    buttons = [_box(b) for b in chart.locator(".modebar-btn").all()]
    words = [_box(w) for w in chart.locator(".xtick text, .g-xtitle text").all()]
    phone.screenshot(path=str(RESULTS_DIR / "e2e_phone_cohorts.png"))
    assert buttons and len(words) > 1
    assert not [(b, w) for b in buttons for w in words if _overlap(b, w)]
