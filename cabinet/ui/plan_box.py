"""The partner's commission plan on the Commissions page: its rates, tiers and hold, and where this month's volume
puts it — the tier it is paid at now and how many more conversions the next one needs."""

from __future__ import annotations

from decimal import Decimal

import polars as pl
import streamlit as st
from babel.numbers import format_decimal

from cabinet import formatting
from cabinet.formatting import fmt_money
from cabinet.session import SessionUser
from cabinet.ui import data
from cabinet.ui.store import program_timezone
from cabinet.ui.text import current_locale, t
from queries.plan import CPA_TYPES, REVENUE, PlanTerms, Tier
from queries.warehouse import SnapshotInfo


def _md(text: str) -> str:
    """Text for an element that renders Markdown: a dollar sign would start a formula."""
    return text.replace("$", "\\$")


def _pct(value: Decimal, locale: str) -> str:
    return f"{format_decimal(value, format='#,##0.##', locale=locale)}%"


def _rate(terms: PlanTerms, counted: str, tier: Tier | None, locale: str) -> str:
    value = terms.rate(counted, tier)
    if value is None:
        return "—"
    return _pct(value, locale) if counted == REVENUE else fmt_money(float(value), terms.plan.currency, locale)


def _kind(counted: str) -> str:
    return t("plan.revshare") if counted == REVENUE else t(f"commissions.type_{counted}")


def _base_rates(terms: PlanTerms, loc: str, baseline: bool = False) -> str:
    """'FTD: $90.00 · Registration: $1.00 · RevShare: 20%': the plan's base rates; with `baseline`, an FTD's with the
    least first deposit it pays for ('FTD: $90.00 for a first deposit of $20.00 or more')."""
    least = terms.plan.ftd_baseline if baseline else 0

    def rate(kind: str, value: Decimal) -> str:
        said = fmt_money(float(value), terms.plan.currency, loc)
        if kind == "ftd" and least:
            return t("plan.ftd_from", rate=said, amount=fmt_money(float(least), terms.plan.currency, loc))
        return said

    rates = [f"{_kind(k)}: {rate(k, v)}" for k, v in terms.plan.cpa.items() if k in CPA_TYPES]
    if terms.plan.type in ("revshare", "hybrid"):
        rates.append(f"{t('plan.revshare')}: {_pct(terms.plan.revshare_pct, loc)}")
    return " · ".join(rates)


def plan_rates(user: SessionUser, snap: SnapshotInfo, partner_id: int) -> str:
    """The base rates of the partner's plan for a Markdown caption, with "(tiers)" when tiers change them; "" when it
    has no plan."""
    terms = data.plan_terms(user.scope, snap.snapshot_id, partner_id, formatting.today_in(program_timezone()))
    if terms is None:
        return ""
    rates = _base_rates(terms, current_locale(), baseline=True)  # no plan box beside it to say the baseline
    return _md(f"{rates} {t('plan.tiered')}" if terms.tiered() and rates else rates)


def plan_box(user: SessionUser, snap: SnapshotInfo) -> None:
    """The plan of the partner the user acts as, in an expander; nothing for staff or a partner without a plan."""
    partner_id = user.scope.own_partner_id
    if partner_id is None:
        return
    terms = data.plan_terms(user.scope, snap.snapshot_id, partner_id, formatting.today_in(program_timezone()))
    if terms is None:
        return
    loc = current_locale()
    with st.expander(
        _md(t("plan.title", plan=terms.plan.name)), expanded=bool(terms.tiered()), icon=":material/percent:"
    ):
        st.markdown(_md(t(f"plan.type_{terms.plan.type}", rates=_base_rates(terms, loc) or "—")))
        days = terms.plan.hold_days  # "waits 0 days (hold)" for none; "1 days" in English
        notes = [t("plan.no_hold" if not days else "plan.hold_one" if days == 1 else "plan.hold", days=days)]
        if "ftd" in terms.plan.cpa or any("ftd" in tier.cpa for tier in terms.plan.tiers):
            least = terms.plan.ftd_baseline  # none: "from a first deposit of $0.00" read as a rule about zero
            notes.append(t("plan.baseline", amount=fmt_money(float(least), terms.plan.currency, loc)) if least > 0
                         else t("plan.baseline_none"))  # fmt: skip
        if terms.plan.override_pct:
            levels = ", ".join(
                t("plan.level", level=i + 1, pct=_pct(p, loc)) for i, p in enumerate(terms.plan.override_pct)
            )
            notes.append(t("plan.overrides", levels=levels))
        st.caption(_md(" ".join(notes)))
        kinds = terms.tiered()
        if not kinds:
            return
        spans = [formatting.fmt_number(x.min_count, loc)
                 + (f"–{formatting.fmt_number(x.max_count, loc)}" if x.max_count else "+")
                 for x in terms.plan.tiers]  # fmt: skip
        rows = {
            t("plan.col_tier"): [str(tier.number) for tier in terms.plan.tiers],
            t("plan.col_from"): spans,
            **{_kind(k): [_rate(terms, k, tier, loc) for tier in terms.plan.tiers] for k in kinds},
        }
        st.dataframe(pl.DataFrame(rows), hide_index=True, width="stretch")
        if _standings(terms, loc, user.visible_metrics):
            st.caption(t("plan.month", month=formatting.fmt_month(terms.month, loc), tz=terms.tz))


def _standings(terms: PlanTerms, loc: str, metrics: tuple[str, ...]) -> int:
    """A progress bar per tiered kind of conversion whose count the tier shows (`PlanTerms.shown`): this month's
    count, its tier, what the next one needs. How many bars."""
    kinds = terms.shown(metrics)
    for kind in kinds:
        now = terms.standing(kind)
        counted = t("plan.counted_ftds" if kind == REVENUE else "plan.counted", kind=_kind(kind),
                    n=formatting.fmt_number(now.count, loc))  # fmt: skip
        here = (t("plan.at_tier", tier=now.tier.number, rate=_rate(terms, kind, now.tier, loc)) if now.tier
                else t("plan.at_base", rate=_rate(terms, kind, None, loc)))  # fmt: skip
        if now.next_tier is not None and now.to_next is not None:
            ahead = t("plan.to_next", n=formatting.fmt_number(now.to_next, loc), tier=now.next_tier.number,
                      rate=_rate(terms, kind, now.next_tier, loc))  # fmt: skip
            st.progress(min(1.0, now.count / now.next_tier.min_count), text=_md(f"{counted} {here} {ahead}"))
        else:
            st.progress(1.0, text=_md(f"{counted} {here} {t('plan.top')}"))
    return len(kinds)


def tier_progress(user: SessionUser, snap: SnapshotInfo) -> None:
    """The home page's volume-tier bars for a partner on a tiered plan, with the way to its plan; nothing else."""
    partner_id = user.scope.own_partner_id
    if partner_id is None or not user.has("reports"):
        return
    terms = data.plan_terms(user.scope, snap.snapshot_id, partner_id, formatting.today_in(program_timezone()))
    if terms is None or not terms.shown(user.visible_metrics):
        return
    st.header(t("plan.home_title"))
    _standings(terms, current_locale(), user.visible_metrics)
    st.page_link("pages/03_commissions.py", label=t("plan.home_go"), icon=":material/arrow_forward:")
