"""A postback saved again for the same conversions is refused: each conversion would be called twice."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select

from cabinet.postbacks import PostbackError, add_postback
from cabinet.store.db import session_scope
from cabinet.store.models import Postback
from tests.reporting.conftest import Program

URL = "https://t.example/pb?c={conversion_id}&s={status}"


def _count(engine: Engine) -> int:
    with session_scope(engine) as s:
        return int(s.scalar(select(func.count()).select_from(Postback)) or 0)


def test_the_same_postback_again_is_refused(program: Program, store_engine: Engine) -> None:
    scope, partner = program.users["p_parent"].scope, program.tiny.parent
    with session_scope(store_engine) as s:
        add_postback(s, scope, partner, URL, ["approved", "pending"], [], 0)
    with pytest.raises(PostbackError) as refused, session_scope(store_engine) as s:
        add_postback(s, scope, partner, URL, ["pending", "approved"], [], 0)  # the same statuses in another order
    assert refused.value.key == "postbacks.err_duplicate" and _count(store_engine) == 1


def test_the_same_url_for_other_conversions_is_saved(program: Program, store_engine: Engine) -> None:
    scope, partner = program.users["p_parent"].scope, program.tiny.parent
    with session_scope(store_engine) as s:
        add_postback(s, scope, partner, URL, ["approved"], [], 0)
        add_postback(s, scope, partner, URL, ["rejected"], [], 0)  # another status: its own call
    assert _count(store_engine) == 2
