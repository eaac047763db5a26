"""The Partners page's move form (admins): a partner put under another parent or at the top, a cycle refused."""

from __future__ import annotations

from sqlalchemy import Engine, select

from cabinet.i18n import translate
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, Partner
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page


def test_an_admin_moves_a_partner_and_a_move_under_its_own_sub_partner_is_refused(
    program: Program, store_engine: Engine
) -> None:
    parent, child = program.tiny.parent, program.tiny.child
    at = open_page("pages/13_partners.py", program.users["root"])
    at.selectbox(key="partners_pick").select(parent).run()
    move = next(b for b in at.button if b.label == translate("partners.move"))
    assert at.number_input(key=f"partners_parent_{parent}").value == 0  # at the top now
    at.number_input(key=f"partners_parent_{parent}").set_value(child)
    at.text_input(key=f"partners_move_reason_{parent}").input("restructure")
    move.click().run()
    assert not at.exception and [e.value for e in at.error] == [
        f"Partner {child} is partner {parent} itself or one of its sub-partners: the tree would go round in a circle. "
        "Choose another parent."
    ]
    at.selectbox(key="partners_pick").select(child).run()
    assert at.number_input(key=f"partners_parent_{child}").value == parent
    at.number_input(key=f"partners_parent_{child}").set_value(0)
    at.text_input(key=f"partners_move_reason_{child}").input("on its own now")
    next(b for b in at.button if b.label == translate("partners.move")).click().run()
    assert not at.exception and [s.value for s in at.success] == [f"Partner {child} is now at the top of the tree."]
    assert (
        at.number_input(key=f"partners_parent_{child}").value == 0
        and not at.text_input(key=f"partners_move_reason_{child}").value
    )
    at.number_input(key=f"partners_parent_{child}").set_value(parent)  # and back: the form says where it is now
    at.text_input(key=f"partners_move_reason_{child}").input("back again")
    next(b for b in at.button if b.label == translate("partners.move")).click().run()
    assert [s.value for s in at.success] == [f"Partner {child} is now a sub-partner of {parent}."]
    assert at.number_input(key=f"partners_parent_{child}").value == parent
    at.run()
    assert at.number_input(key=f"partners_parent_{child}").value == parent  # not 0, "the top of the tree"
    with session_scope(store_engine) as s:
        assert s.get(Partner, child).parent_id == parent  # type: ignore[union-attr]
        logged = s.scalars(select(AuditLog).where(AuditLog.action == "partner_moved")).all()
        assert [(a.actor_username, a.details) for a in logged] == [
            ("root", {"parent": [parent, None], "reason": "on its own now"}),
            ("root", {"parent": [None, parent], "reason": "back again"}),
        ]


def test_a_manager_gets_no_move_form(program: Program) -> None:
    at = open_page("pages/13_partners.py", program.users["mgr"])
    assert not at.exception and translate("partners.move") not in [b.label for b in at.button]
