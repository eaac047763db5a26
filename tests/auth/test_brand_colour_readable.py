"""A brand colour picked in Program settings may be any: where text is drawn in it (an email's heading) or white text
on it (a statement's band), a light one is darkened until the text reads 4.5:1 (WCAG AA); one that reads is kept."""

from __future__ import annotations

import re

import pytest

from cabinet.colours import WHITE, contrast
from cabinet.mail_html import html_version
from cabinet.pdf import band_colour


def _heading_colour(html: str) -> str:
    found = re.search(r"font-size:18px;font-weight:600;color:(#[0-9a-f]{6})", html)
    assert found is not None
    return found.group(1)


@pytest.mark.parametrize("brand", ["#ffd400", "#7fdbff", "#ffffff"])
def test_a_light_brand_colour_is_darkened_where_text_is(brand: str) -> None:
    heading = _heading_colour(html_version("Hello.\n", "Program", brand))
    assert heading != brand and contrast(heading, WHITE) >= 4.5
    band = "#{:02x}{:02x}{:02x}".format(*band_colour(brand))
    assert contrast(band, WHITE) >= 4.5
    assert f"border-top:4px solid {brand}" in html_version("Hello.\n", "Program", brand)  # the rule keeps it


def test_a_brand_colour_that_reads_is_kept() -> None:
    assert _heading_colour(html_version("Hello.\n", "Program", "#1f6feb")) == "#1f6feb"
    assert band_colour("#1f6feb") == (31, 111, 235)
    assert band_colour("not a colour") == (26, 95, 208)  # the default brand, the theme's primary colour
