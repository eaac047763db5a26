"""Colours that stay readable (WCAG 2): a brand colour picked in Program settings may be any, and it is drawn as
text on the page and in emails, and under white text on buttons and on a statement's band."""

from __future__ import annotations

WHITE = "#ffffff"


def contrast(one: str, other: str) -> float:
    """WCAG 2's contrast ratio of two #rrggbb colours (1 to 21)."""

    def luminance(colour: str) -> float:
        rgb = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    high, low = sorted((luminance(one), luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def readable(colour: str, light: str, ratio: float) -> str:
    """`colour` as it is when it stands `ratio`:1 against the `light` colour, else the first shade of it darkened in
    steps of 5% that does (a brand colour picked in Program settings keeps its hue on headings and buttons)."""
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    for step in range(20):
        shade = "#" + "".join(f"{round(c * (1 - step / 20)):02x}" for c in rgb)
        if contrast(shade, light) >= ratio:
            return shade
    return "#000000"
