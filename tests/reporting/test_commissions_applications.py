"""An application not approved yet (a partner `pending`, `cabinet.invites`) earns nothing, and neither do its
ancestors' overrides of its commissions: the Commissions page says so, not that the partner is blocked (the engine
rejects both alike; the override's own inputs only say `source_blocked`)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Engine, select

from cabinet.access import build_session_user
from cabinet.store.db import session_scope
from cabinet.store.models import CommissionPlan, Partner
from queries.commissions import KINDS, STATUSES, CommissionRequest, explain, rows
from queries.warehouse import Warehouse
from tests.reporting.conftest import NOW, Program

REQ = CommissionRequest(date(2026, 10, 12), date(2026, 11, 10), "UTC", STATUSES, KINDS)
HEAD = "conversion_id,ts,type,partner_id,offer_id,amount,currency,status\n"
FTD = ", the deposit of $50.00 reached the FTD baseline of $20.00"
NOT_APPROVED = "not paid: the partner's application is not approved yet"


def _explained(program: Program, user: str, locale: str = "en") -> dict[str, str]:
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    got = rows(program.users[user].scope, wh=wh, req=REQ)
    return {r["commission_id"]: explain(r, locale) for r in got.iter_rows(named=True)}


def test_overrides_of_an_application_say_it_is_not_approved_yet_and_of_a_blocked_partner_that_it_is_blocked(
    program: Program, store_engine: Engine
) -> None:
    tiny = program.tiny
    with session_scope(store_engine) as s:
        plan = s.scalar(select(CommissionPlan))
        plan.subpartner_override_pct = ["10", "5"]
        applicant = Partner(
            name="Applicant", tier_code="bronze", plan_id=plan.id, parent_id=tiny.child, status="pending"
        )
        blocked = Partner(name="Blocked", tier_code="bronze", plan_id=plan.id, parent_id=tiny.parent, status="blocked")
        s.add_all([applicant, blocked])
        s.flush()
        a, b = applicant.id, blocked.id
    tiny.write("conversions", "ab.csv", HEAD + f"a1,2026-11-05T10:00:00Z,ftd,{a},{tiny.offer},50,USD,approved\n"
               f"b1,2026-11-05T11:00:00Z,ftd,{b},{tiny.offer},50,USD,approved\n")  # fmt: skip
    # the feed's own commission of the applicant: the engine's overrides of it are rejected alike
    tiny.write("commissions", "f.csv", "commission_id,partner_id,ts,amount,currency,kind,status,conversion_id\n"
               f"fa,{a},2026-11-05T12:00:00Z,30,USD,revshare,approved,\n")  # fmt: skip
    tiny.run(NOW + timedelta(hours=1))

    staff = {
        cid: how for cid, how in _explained(program, "root").items() if cid.startswith(("eng:a1", "eng:b1", "eng:feed"))
    }
    p, c = tiny.parent, tiny.child
    assert staff == {
        "eng:a1:cpa": f"CPA per FTD: $100.00{FTD} — {NOT_APPROVED}",
        f"eng:a1:cpa:L1:{c}": f"10% of sub-partner {a}'s commission of $100.00 (level 1) — not paid: partner {a}'s "
        "application is not approved yet",
        f"eng:a1:cpa:L2:{p}": f"5% of sub-partner {a}'s commission of $100.00 (level 2) — not paid: partner {a}'s "
        "application is not approved yet",
        f"eng:feed:fa:L1:{c}": f"10% of sub-partner {a}'s commission of $30.00 (level 1) — not paid: partner {a}'s "
        "application is not approved yet",
        f"eng:feed:fa:L2:{p}": f"5% of sub-partner {a}'s commission of $30.00 (level 2) — not paid: partner {a}'s "
        "application is not approved yet",
        "eng:b1:cpa": f"CPA per FTD: $100.00{FTD} — not paid: the partner is blocked",
        f"eng:b1:cpa:L1:{p}": f"10% of sub-partner {b}'s commission of $100.00 (level 1) — not paid: partner {b} is "
        "blocked",
    }
    ru = _explained(program, "root", "ru")
    assert ru[f"eng:a1:cpa:L1:{c}"].endswith(f" — не выплачивается: заявка партнёра {a} ещё не одобрена")
    assert ru[f"eng:b1:cpa:L1:{p}"].endswith(f" — не выплачивается: партнёр {b} заблокирован")

    # a parent whose tier does not show the applicant's level sees the override without its source, told alike
    with session_scope(store_engine) as s:
        s.get(Partner, p).tier_code = "silver"  # type: ignore[union-attr]
    program.users["p_parent"] = build_session_user(store_engine, "p_parent")  # type: ignore[assignment]
    wh = Warehouse(tiny.settings.warehouse_dir)
    masked = [r for r in rows(program.users["p_parent"].scope, wh=wh, req=REQ).iter_rows(named=True) if r["masked"]]
    assert [explain(r, "en") for r in masked] == [
        "5% of a level-2 sub-partner's commission of $30.00 — not paid: that sub-partner's application is not "
        "approved yet",
        "5% of a level-2 sub-partner's commission of $100.00 — not paid: that sub-partner's application is not "
        "approved yet",
    ]
    assert explain(masked[0], "ru").endswith(" — не выплачивается: заявка этого субпартнёра ещё не одобрена")
    assert not [r for r in masked if str(a) in r["inputs"] or r["from_partner_id"] is not None]

    # approved by its manager: the next run pays the applicant and its ancestors' overrides
    with session_scope(store_engine) as s:
        s.get(Partner, a).status = "active"  # type: ignore[union-attr]
    tiny.run(NOW + timedelta(hours=2))
    after = _explained(program, "root")
    paid = {cid: how for cid, how in after.items() if cid.startswith(("eng:a1", "eng:feed:fa"))}
    assert {f"eng:a1:cpa:L2:{p}", f"eng:feed:fa:L2:{p}"} <= set(paid)
    assert not [how for how in paid.values() if "not paid" in how]


def test_a_declined_applications_rows_and_their_overrides_say_it_was_declined(
    program: Program, store_engine: Engine
) -> None:
    """A declined application earns nothing, as a blocked partner (the engine marks its rows `partner_blocked`), but
    its rows and its parent's overrides said "the partner is blocked" where Sub-partners says "Declined"."""
    tiny = program.tiny
    with session_scope(store_engine) as s:
        plan = s.scalar(select(CommissionPlan))
        plan.subpartner_override_pct = ["10"]
        declined = Partner(name="Declined", tier_code="bronze", plan_id=plan.id, parent_id=tiny.parent,
                           status="declined")  # fmt: skip
        s.add(declined)
        s.flush()
        d = declined.id
    tiny.write("conversions", "d.csv", HEAD + f"dec1,2026-11-05T10:00:00Z,ftd,{d},{tiny.offer},50,USD,approved\n")
    tiny.run(NOW + timedelta(hours=1))

    staff = {cid: how for cid, how in _explained(program, "root").items() if cid.startswith("eng:dec1")}
    p = tiny.parent
    assert staff == {
        "eng:dec1:cpa": f"CPA per FTD: $100.00{FTD} — not paid: the partner's application was declined",
        f"eng:dec1:cpa:L1:{p}": f"10% of sub-partner {d}'s commission of $100.00 (level 1) — not paid: partner {d}'s "
        "application was declined",
    }
    ru = _explained(program, "root", "ru")
    assert ru["eng:dec1:cpa"].endswith(" — не выплачивается: заявка партнёра отклонена")
    assert ru[f"eng:dec1:cpa:L1:{p}"].endswith(f" — не выплачивается: заявка партнёра {d} отклонена")
    program.users["p_parent"] = build_session_user(store_engine, "p_parent")  # type: ignore[assignment]
    own = _explained(program, "p_parent")  # the parent, its scope with the application, reads its override alike
    assert own[f"eng:dec1:cpa:L1:{p}"].endswith(f"partner {d}'s application was declined")
