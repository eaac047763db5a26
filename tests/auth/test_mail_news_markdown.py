"""A news text is Markdown (the News form says so: **bold**, *italic*, lists, [links](...)), and its page shows it so;
its email's HTML version wrote the marks as typed: "We added **Casino Royale** ... [the offers](https://...)". Now the
HTML version reads a news text as its page does, HTML in it still text and no image drawn; other mail stays as
written, and every plain-text part keeps the text as typed."""

from __future__ import annotations

from datetime import UTC, datetime

from cabinet.mail import _message
from cabinet.mail_html import Brand, html_version
from cabinet.store.models import OutboxMail

NEWS = (
    "Hello, Partner B.\n\nNew offer\n\nWe added **Casino Royale** with a *50%* revshare: [the offers](https://x.example/o)."
    "\n\n- CPA $120\n- RevShare 50%\n\nTerms: https://x.example/terms. Questions (https://x.example/faq)."
    "\n\n<script>alert(1)</script> "
    "![pixel](https://tracker.example/p.png)\n\n-- \nYou get the program's news by email: https://x.example/?u=a_b_c\n"
)


def _main(html: str) -> str:
    return html.partition("border-top:1px solid #d0d7de")[0]


def test_a_news_text_is_read_as_markdown_in_the_html_version() -> None:
    main = _main(html_version(NEWS, "Program", markdown=True))
    assert "<strong>Casino Royale</strong>" in main and "<em>50%</em>" in main and "**" not in main
    assert '<a style="word-break:break-all;overflow-wrap:anywhere" href="https://x.example/o">the offers</a>' in main
    assert "<li>CPA $120</li>" in main
    assert 'href="https://x.example/terms">https://x.example/terms</a>.' in main  # a bare URL is a link, as on the page
    assert (
        '(<a style="word-break:break-all;overflow-wrap:anywhere" href="https://x.example/faq">' in main
    )  # in brackets
    assert "<script>" not in main and "&lt;script&gt;" in main
    assert "<img" not in main and "tracker.example" in main  # shown as a link a reader may follow, never fetched


def test_a_news_email_has_the_markdown_html_and_the_text_as_typed() -> None:
    mail = OutboxMail(id=1, kind="news", to_address="b@example.com", subject="Program: New offer", body=NEWS,
                      created_at=datetime(2026, 12, 6, tzinfo=UTC))  # fmt: skip
    message = _message(mail, "Program <no-reply@example.com>", Brand("Program"))
    assert "**Casino Royale**" in message.get_body(("plain",)).get_content()
    assert "<strong>Casino Royale</strong>" in message.get_body(("html",)).get_content()


def test_other_mail_is_not_read_as_markdown() -> None:
    """A partner's name or a rejection's reason is not Markdown: "*" and "_" in it stay as written."""
    body = "Hello, *Star* Media.\n\nThe reason given: traffic_source **unknown**\n"
    mail = OutboxMail(id=2, kind="payout_update", to_address="b@example.com", subject="s", body=body,
                      created_at=datetime(2026, 12, 6, tzinfo=UTC))  # fmt: skip
    html = _message(mail, "Program <no-reply@example.com>", Brand("Program")).get_body(("html",)).get_content()
    assert "*Star* Media" in html and "**unknown**" in html and "<strong>" not in html
