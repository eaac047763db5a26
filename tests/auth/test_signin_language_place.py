"""The login page's language choice comes right under the login form, before "Forgot your password?" and the
application form an invitation opens: it came last, under the application's five fields, so a visitor opening an
invitation on a phone scrolled past the whole form in English to find "Русский"."""

from __future__ import annotations

from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block, Element

from cabinet.invites import invite_token
from cabinet.store.db import session_scope
from cabinet.store.models import Partner
from tests.auth.test_auth import APP, alice  # noqa: F401 - the fixture
from tests.conftest import TEST_LINK_KEY


def _in_order(node: Block | Element) -> list[Block | Element]:
    children = getattr(node, "children", None)
    if not children:
        return [node]
    return [node] + [leaf for key in sorted(children) for leaf in _in_order(children[key])]


def test_the_language_choice_comes_before_the_invitations_form(alice: Engine) -> None:  # noqa: F811
    with session_scope(alice) as s:
        parent = Partner(name="Alpha Media", tier_code="gold", status="active")
        s.add(parent)
        s.flush()
        token = invite_token(parent.id, TEST_LINK_KEY.encode())
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params["invite"] = token
    at.run()
    assert not at.exception
    labels = [getattr(node, "label", None) for node in _in_order(at.main)]
    assert "Username (3–64 Latin letters, digits, '_' or '.')" in labels  # the application form is there
    assert labels.index("Language") < labels.index("Forgot your password?")
    assert labels.index("Language") < labels.index("Username (3–64 Latin letters, digits, '_' or '.')")
