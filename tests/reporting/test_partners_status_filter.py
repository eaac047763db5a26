"""The Partners page's status filter is a set of pills whose rows wrap on a narrow screen: a multiselect kept its chips
on one line (as Streamlit's pills do, scrolled under a fade), and at 390 px the fourth (Blocked) sat behind the fade.
In Chromium at 390 px the five pills (Declined since applications are declined, not blocked) stand in two rows, the
last at 16–93 px; at 1280 px too, in the filter's column."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from cabinet.store.db import session_scope
from cabinet.store.models import Partner
from tests.reporting.conftest import Program
from tests.reporting.test_page_locale import _open_ru
from tests.reporting.test_pages import _open as open_page


def test_every_status_is_a_chip_of_its_own_and_filters(program: Program, store_engine: Engine) -> None:
    child = program.tiny.child
    with session_scope(store_engine) as s:
        s.get(Partner, child).status = "blocked"
    at = open_page("pages/13_partners.py", program.users["root"])
    assert not at.exception and not [m for m in at.multiselect if m.key == "partners_statuses"]
    chips = at.button_group(key="partners_statuses")
    styles = " ".join(h.proto.body for h in at.get("html"))
    assert ".st-key-partners_statuses [data-testid='stButtonGroup'] > div { flex-wrap: wrap;" in styles  # no fade
    assert list(chips.formatted_values) == ["Application", "Active", "Paused", "Blocked", "Declined"]
    assert chips.value == ["pending", "active", "paused", "blocked", "declined"]
    assert child in list(at.dataframe[0].value["Partner"])
    chips.unselect("blocked").run()
    assert not at.exception and child not in list(at.dataframe[0].value["Partner"])
    ru = _open_ru(program, "root", "pages/13_partners.py")
    assert ru.button_group(key="partners_statuses").options == [
        "Заявка", "Активен", "Приостановлен", "Заблокирован", "Отклонена"
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("page", "key", "shown"),
    [("pages/16_logins.py", "logins_roles", ["Administrator", "Affiliate manager", "Partner"]),
     ("pages/20_catalogue.py", "catalogue_statuses", ["Active", "Paused", "Archived"])],
)  # fmt: skip
def test_the_logins_roles_and_the_catalogue_statuses_wrap_too(
    program: Program, page: str, key: str, shown: list[str]
) -> None:
    """At 1280 px the Logins page's third role (Partner) sat behind the fade already."""
    at = open_page(page, program.users["root"])
    assert not at.exception and not [m for m in at.multiselect if m.key == key]
    assert at.button_group(key=key).options == shown
    assert f".st-key-{key} [data-testid='stButtonGroup'] > div {{ flex-wrap: wrap;" in " ".join(
        h.proto.body for h in at.get("html")
    )
