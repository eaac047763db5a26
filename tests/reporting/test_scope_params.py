"""`scope_params(scope, **params)`: a query's own parameters beside the scope's, none of them able to replace the
scope's (README "Adding a view")."""

from __future__ import annotations

from datetime import datetime

import pytest

from cabinet.access import Scope
from queries.scope_sql import scope_params

MANAGER = Scope(user_id=1, username="mgr", role="manager", partner_ids=(2, 3))


def test_a_querys_own_parameters_go_beside_the_scopes() -> None:
    start = datetime(2026, 11, 1)
    assert scope_params(MANAGER, start=start, partner=None) == {
        "all_partners": False,
        "partner_ids": [2, 3],
        "start": start,
        "partner": None,
    }


@pytest.mark.parametrize("name", ["all_partners", "partner_ids"])
def test_a_parameter_of_the_scopes_name_is_refused(name: str) -> None:
    """`scope_params(scope) | {"partner_ids": picked}` replaced the manager's partners with what the viewer picked."""
    with pytest.raises(ValueError, match=f"'{name}' is the scope's"):
        scope_params(MANAGER, **{name: [99]})
