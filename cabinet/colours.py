"""Colours that stay readable (WCAG 2): a brand colour picked in Program settings may be any, and it is drawn as
text on the page and in emails, and under white text on buttons and on a statement's band."""

from __future__ import annotations

WHITE = "#ffffff"
# the brand colour of a program that has not picked one, and where a stored one is not a colour: the theme's
# primaryColor (.streamlit/config.toml), so the default brand draws what the theme does; 5.85:1 under white text
DEFAULT_BRAND = "#1a5fd0"


def contrast(one: str, other: str) -> float:
    """WCAG 2's contrast ratio of two #rrggbb colours (1 to 21)."""

    def luminance(colour: str) -> float:
        rgb = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    high, low = sorted((luminance(one), luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def shade(colour: str, darker: float) -> str:
    """`colour` with each of its channels `darker` (0 to 1) nearer black."""
    return "#" + "".join(f"{round(int(colour[i : i + 2], 16) * (1 - darker)):02x}" for i in (1, 3, 5))


def readable(colour: str, light: str, ratio: float) -> str:
    """`colour` as it is when it stands `ratio`:1 against the `light` colour, else the first shade of it darkened in
    steps of 5% that does (a brand colour picked in Program settings keeps its hue on headings and buttons)."""
    for step in range(20):
        if contrast(darker := shade(colour, step / 20), light) >= ratio:
            return darker
    return "#000000"
