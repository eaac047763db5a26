"""The HTML version of an email: the cabinet's footer is the one after the last "-- " line, whatever the text above it
says, and a URL keeps the parentheses that are part of it."""

from __future__ import annotations

from cabinet.mail_html import html_version

FOOTER = "\n\n-- \nYou get this as a partner of Program. Support: help@example.com\n"
GREY = "color:#6e7781;font-size:12px"


def _main_and_footer(html: str) -> tuple[str, str]:
    main, _, footer = html.partition("border-top:1px solid #d0d7de")
    return main, footer


def test_a_news_text_with_its_own_signature_line_keeps_it_above_the_cabinets_footer() -> None:
    news = "New offers this week.\n-- \nThe team\n\nAnd one more thing: payouts go out on Friday."
    main, footer = _main_and_footer(html_version(news + FOOTER, "Program"))
    assert "And one more thing: payouts go out on Friday." in main and "The team" in main
    assert "-- " in main  # the admin's own line, as written
    assert "You get this as a partner of Program" in footer and "payouts go out" not in footer
    assert "-- " not in footer  # the cabinet's delimiter is never printed


def test_a_message_without_a_footer_is_all_text() -> None:
    html = html_version("Hello.\n", "Program")
    assert "Hello." in html and GREY not in html


def test_a_url_keeps_the_closing_parenthesis_that_is_part_of_it() -> None:
    text = (
        "Read https://en.wikipedia.org/wiki/Net_(economics) first.\n"
        "(See https://x.example/terms.) And (https://x.example/a_(b)).\n"
        "Then https://x.example/?q=1, or https://x.example/end!"
    )
    html = html_version(text + FOOTER, "Program")
    hrefs = [part.split('"', 1)[0] for part in html.split('<a href="')[1:]]
    assert hrefs == [
        "https://en.wikipedia.org/wiki/Net_(economics)",
        "https://x.example/terms",
        "https://x.example/a_(b)",
        "https://x.example/?q=1",
        "https://x.example/end",
    ]
    assert "</a>.) And (" in html and "</a>)." in html  # the sentence's own punctuation stays outside the links


def test_a_long_link_breaks_anywhere_so_the_message_fits_a_phone() -> None:
    """A reset or welcome link carries a token of ~300 characters with no place to break: whole, it widened the HTML
    version to 2,359 px on a 390 px phone, the message's text shrunk or scrolled sideways."""
    link = "https://partners.example.com/?reset=" + "eyJhbGciOiJIUzI1NiJ9" * 15
    html = html_version(f"Open this link to set your password:\n\n{link}\n" + FOOTER, "Program")
    [anchor] = [part.split(">", 1)[0] for part in html.split("<a ")[1:]]
    assert anchor == f'href="{link}" style="word-break:break-all;overflow-wrap:anywhere"'
