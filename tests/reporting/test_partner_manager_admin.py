"""A manager made an admin on the Logins page keeps the partners assigned to them, and the Partners page named that
manager "(login disabled)" on each of them: the login works, it is an admin's now."""

from __future__ import annotations

from sqlalchemy import Engine, select

from cabinet import logins_admin
from cabinet.i18n import translate
from cabinet.store.db import session_scope
from cabinet.store.models import Partner, User
from tests.reporting.conftest import Program
from tests.reporting.test_page_locale import _open_ru
from tests.reporting.test_pages import _open as open_page


def test_the_partners_page_names_a_manager_made_an_admin_so(program: Program, store_engine: Engine) -> None:
    parent = program.tiny.parent
    with session_scope(store_engine) as s:
        mgr = s.scalar(select(User).where(User.username == "mgr"))
        mgr_id = mgr.id
        logins_admin.set_role(s, program.users["root"].scope, mgr_id, "admin")
        assert s.get(Partner, parent).manager_user_id == mgr_id
    at = open_page("pages/13_partners.py", program.users["root"])
    at.selectbox(key="partners_pick").select(parent).run()
    box = at.selectbox(key=f"partners_manager_{parent}")
    assert not at.exception and box.value == mgr_id and box.format_func(mgr_id) == "mgr (an administrator now)"
    russian = _open_ru(program, "root", "pages/13_partners.py", partners_pick=parent)
    shown = russian.selectbox(key=f"partners_manager_{parent}").proto.options  # as the Russian session wrote them
    assert (
        not russian.exception
        and "mgr (теперь администратор)" in shown
        and translate("partners.manager_admin", "ru", manager="mgr") == "mgr (теперь администратор)"
    )
