"""The HTML part of the cabinet's emails: the plain text as written (`cabinet.mail`), laid out under the program's
logo and name in its colour, with its links clickable. Every character of the text is escaped: a news title or a
partner's name cannot add markup. A news text is Markdown, as its page shows it (HTML in it as text, no image)."""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt
from PIL import Image

from cabinet.colours import DEFAULT_BRAND, WHITE, readable

_URL = re.compile(r"https?://[^\s<>\"']+")
_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_LINK = "word-break:break-all;overflow-wrap:anywhere"
_FONT = "-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif"
# a news text's Markdown as its page shows it, but HTML stays text and an image is not drawn (a mail program would
# fetch it from its server at opening, telling it who read the message and when)
_MARKDOWN = MarkdownIt("commonmark", {"html": False, "breaks": True}).disable("image")
_BARE_URL = re.compile(r"(?<!\]\()(?<![<\[])https?://[^\s<>\"'\[\]]+")  # not a Markdown link's own


def _url(found: str) -> str:
    """The URL in what the pattern found, trailing punctuation left outside: a closing parenthesis too, unless it
    closes one the URL opened (`https://en.wikipedia.org/wiki/Net_(economics)`, not "(see https://x.org)")."""
    url = found
    while url and url[-1] in ".,;:!?)":
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    return url


def _inline(text: str) -> str:
    """A line escaped, its URLs made links (trailing punctuation left outside)."""
    out, last = [], 0
    for match in _URL.finditer(text):
        url = _url(match.group(0))
        out.append(html.escape(text[last : match.start()]))
        # a long link (a reset token) breaks anywhere: whole, it widened the message past a phone's screen
        out.append(f'<a href="{html.escape(url, quote=True)}" style="{_LINK}">{html.escape(url)}</a>')
        last = match.start() + len(url)
    out.append(html.escape(text[last:]))
    return "".join(out)


def _markdown(text: str, style: str) -> str:
    """A news text's Markdown (bold, italic, lists, headings, links) as HTML, its bare URLs links as on its page."""

    def autolink(match: re.Match[str]) -> str:
        url = _url(match.group(0))
        return f"<{url}>" + match.group(0)[len(url) :]

    rendered = _MARKDOWN.render(_BARE_URL.sub(autolink, text))
    return rendered.replace("<a href=", f'<a style="{_LINK}" href=').replace("<p>", f'<p style="{style}">')


def _paragraphs(text: str, style: str) -> str:
    blocks = [b for b in re.split(r"\n\s*\n", text.strip()) if b.strip()]
    return "".join(f'<p style="{style}">' + "<br>".join(_inline(line) for line in b.splitlines()) + "</p>"
                   for b in blocks)  # fmt: skip


def html_version(body: str, program: str, color: str = DEFAULT_BRAND, logo_cid: str | None = None, *,
                 markdown: bool = False) -> str:  # fmt: skip
    """The HTML of a message whose plain text is `body` (its footer after the last "-- " line in small grey type); with
    `logo_cid`, the program's logo (a related part of the message) before its name. With `markdown` (news, whose
    text is Markdown as its page shows it), the text above the footer is read as Markdown; otherwise as written."""
    color = color if _COLOR.match(color or "") else DEFAULT_BRAND
    logo = (
        f'<img src="cid:{html.escape(logo_cid, quote=True)}" alt="" height="36" '
        'style="height:36px;max-width:180px;vertical-align:middle;margin-right:10px;border:0">'
        if logo_cid
        else ""
    )
    text, cut, footer = body.rpartition("\n-- \n")  # the cabinet's footer is the last: a news text may have its own
    if not cut:
        text, footer = body, ""
    main = _markdown(text, "margin:0 0 14px") if markdown else _paragraphs(text, "margin:0 0 14px")
    small = _paragraphs(footer, "margin:0;color:#6e7781;font-size:12px") if footer.strip() else ""
    return (
        '<!doctype html><html><head><meta charset="utf-8"></head>'
        f'<body style="margin:0;padding:0;background:#f6f8fa;font-family:{_FONT}">'
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center" '
        'style="padding:24px 12px">'
        '<table role="presentation" width="600" cellpadding="0" cellspacing="0" style="max-width:600px;width:100%;'
        f'background:#ffffff;border-radius:8px;border-top:4px solid {color}">'
        '<tr><td style="padding:24px 28px;color:#1f2328;font-size:15px;line-height:1.5">'
        f'<div style="font-size:18px;font-weight:600;color:{readable(color, WHITE, 4.5)};margin:0 0 18px">{logo}'
        f'<span style="vertical-align:middle">{html.escape(program)}</span></div>'
        f"{main}"
        + (f'<div style="border-top:1px solid #d0d7de;margin-top:22px;padding-top:12px">{small}</div>' if small else "")
        + "</td></tr></table></td></tr></table></body></html>"
    )


@dataclass(frozen=True)
class Brand:
    """How the HTML version of a message looks: the program's name and colour, and its logo (an image file's bytes
    and its subtype: png, jpeg, gif, webp) when it has one."""

    name: str
    color: str = DEFAULT_BRAND
    logo: bytes | None = None
    logo_type: str | None = None


def logo_file(path: Path | None) -> tuple[bytes | None, str | None]:
    """The logo file's bytes and image subtype, as Pillow reads it; (None, None) without one it can read."""
    if path is None or not path.is_file():
        return None, None
    data = path.read_bytes()
    try:
        with Image.open(io.BytesIO(data)) as img:
            kind = (img.format or "").lower()
    except (OSError, ValueError):
        return None, None
    return (data, kind) if kind in ("png", "jpeg", "gif", "webp") else (None, None)
