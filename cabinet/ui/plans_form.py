"""The Commission plans page's parts (admins): the plan list and the plan form, shared by "Add a plan" and "Change a
plan" (`cabinet.plans_admin` checks and stores)."""

from __future__ import annotations

from dataclasses import replace

import polars as pl
import streamlit as st

from cabinet import plans_admin as _plans
from cabinet.access import Scope
from cabinet.formatting import fmt_decimal
from cabinet.plans import CPA_TYPES, PLAN_TYPES
from cabinet.plans_admin import TIER_COLUMNS, PlanChange, PlanChangedMeanwhile, PlanRow, PlanSaved
from cabinet.program import program_currency
from cabinet.ui.data_loads import no_schedule_warning
from cabinet.ui.drawn_form import Drawn, DrawnForm
from cabinet.ui.fit import TABLE_PX, auto_px, column_px, rest_px
from cabinet.ui.resources import engine
from cabinet.ui.text import current_locale, t
from cabinet.ui.typed_numbers import typed
from cabinet.ui.unreachable import session_scope
from cabinet.ui.widgets import plain, save_then_rerun, show_refusal

DONE_KEY = "plans_saved"  # PlanSaved (or PlanChangedMeanwhile): said once after the rerun, where its form is
PICK_NEXT_KEY = "plans_pick_next"  # the plan just added, for the page to pick
START_KEY = "plans_start_from"  # the plan a new one copies
CURRENCY_LIST = sorted(_plans.CURRENCIES)
PAYS_LEAST_PX = 200  # what a plan pays cut no shorter: its first two amounts
NAME_LEAST_PX = 160  # a plan's id and name cut no shorter


def plan_list(scope: Scope) -> list[PlanRow]:
    """Every plan with the partners on it."""
    with session_scope(engine()) as s:
        return _plans.plans(s, scope)


def plan_table(rows: list[PlanRow]) -> pl.DataFrame:
    """The plan list in the session's language: conversion types by their names, amounts and percents written as it
    writes numbers ("Регистрация 1,5", not "registration 1.5"). Narrow enough for a laptop's 1280 px beside the menu
    (ten columns scrolled sideways there, the partners on a plan out of sight): a plan by id and name, its type with
    its currency, what it pays (CPA amounts, then the RevShare percent) in one column, short headers (`plan_columns`
    gives their full names on hover)."""
    locale = current_locale()

    def number(text: str) -> str:
        return fmt_decimal(text, locale)

    def pays(row: PlanRow) -> str:
        # an FTD pays only from its baseline: "FTD 100" alone read as paid for any deposit
        least = t("plans.pays_baseline", amount=number(row.ftd_baseline)) if row.ftd_baseline != "0" else ""
        cpa = [f"{t(f'plans.cpa_{k}')} {number(v)}" + (f" ({least})" if k == "ftd" and least else "")
               for k, v in row.cpa_amounts.items()]  # fmt: skip
        if least and "ftd" not in row.cpa_amounts:  # its volume tiers pay FTDs: from the baseline too
            cpa.append(f"{t('plans.cpa_ftd')}: {least}")
        share = [t("plans.pays_revshare", pct=number(row.revshare_pct))] if row.revshare_pct != "0" else []
        return " · ".join(cpa + share)

    return pl.DataFrame(
        {
            t("plans.col_id"): [f"{r.id} · {r.name}" for r in rows],
            t("plans.col_type"): [f"{t(f'plans.type_short_{r.type}')} · {r.currency}" for r in rows],
            t("plans.col_pays"): [pays(r) for r in rows],
            t("plans.col_tiers"): [r.tiers for r in rows],
            t("plans.col_overrides"): [
                " · ".join(number(v) for v in r.overrides.split(", ")) if r.overrides else "" for r in rows
            ],
            t("plans.col_hold_days"): [r.hold_days for r in rows],
            t("plans.col_partners"): [r.partners for r in rows],
        }
    )


def plan_columns(table: pl.DataFrame) -> dict[str, object]:
    """The plan list's (`plan_table`) headers with their full names on hover: a short header keeps its column narrow.
    A plan's name and what it pays, free text, take the width the others leave, each cut at its end where longer
    (whole on a double-click): sized by Streamlit, a long name or a plan paying every conversion type pushed the
    partners on it out of sight at 1280 px (the demo's plans took the English list to 822 px, one paying all five
    types to 1109)."""
    said = {
        "col_type": "plans.field_type_currency",
        "col_pays": "plans.field_pays",
        "col_tiers": "plans.field_volume_tiers",
        "col_overrides": "plans.field_subpartner_override_pct",
        "col_hold_days": "plans.field_hold_days",
    }
    config = {t(f"plans.{col}"): st.column_config.Column(help=t(full)) for col, full in said.items()}
    auto = {c: auto_px(table[c], c) for c in table.columns}  # as Streamlit sizes them
    if sum(auto.values()) <= TABLE_PX:  # every text whole as it is
        return config
    name, pays = t("plans.col_id"), t("plans.col_pays")
    others = [w for c, w in auto.items() if c not in (name, pays)]
    whole = {c: column_px(table[c], c) for c in (name, pays)}
    # the name whole where what it pays keeps its least, else cut; what it pays, the rest
    name_px = min(whole[name], rest_px([*others, min(whole[pays], PAYS_LEAST_PX)], NAME_LEAST_PX))
    pays_px = min(whole[pays], rest_px([*others, name_px], PAYS_LEAST_PX))
    return config | {name: st.column_config.Column(width=name_px),
                     pays: st.column_config.Column(help=t("plans.field_pays"), width=pays_px)}  # fmt: skip


def say_done(added: bool) -> None:
    """What the last save did, once, where its form is: an added plan (`added`) or a change."""
    done = st.session_state.get(DONE_KEY)
    if isinstance(done, PlanChangedMeanwhile) and not added:
        del st.session_state[DONE_KEY]
        show_refusal(done)
        return
    if not isinstance(done, PlanSaved) or done.created != added:
        return
    del st.session_state[DONE_KEY]
    if done.created:
        st.success(t("plans.added", plan=done.plan_id, name=plain(done.name)))
        st.session_state[PICK_NEXT_KEY] = done.plan_id
    elif not done.changed:
        st.success(t("plans.same"))
    else:
        fields = ", ".join(t(f"plans.field_{f}") for f in done.changed)
        st.success(t("plans.saved", plan=done.plan_id, fields=fields))
        if done.partners:
            st.info(t("plans.repriced", n=done.partners))
            no_schedule_warning()  # the repricing waits for a run: said when none seems to come


def _tier_frame(tiers: tuple[dict[str, str], ...]) -> pl.DataFrame:
    return pl.DataFrame([{c: typed(tier.get(c, "")) for c in TIER_COLUMNS} for tier in tiers] or None,
                        schema={c: pl.Utf8 for c in TIER_COLUMNS})  # fmt: skip


def _rows(edited: object) -> tuple[dict[str, str], ...]:
    """The data editor's rows, whatever frame type it hands back."""
    if isinstance(edited, pl.DataFrame):
        records = edited.to_dicts()
    elif hasattr(edited, "to_dict"):
        records = edited.to_dict("records")  # type: ignore[union-attr]
    else:
        records = list(edited)  # type: ignore[call-overload]
    return tuple({c: "" if r.get(c) is None else str(r.get(c)) for c in TIER_COLUMNS} for r in records)


def start_from(rows: list[PlanRow]) -> int | None:
    """The plan a new one starts as a copy of (None: an empty form), picked above the "Add a plan" form."""
    names = {r.id: r.name for r in rows}
    return st.selectbox(t("plans.start_from"), [None, *names], key=START_KEY, help=t("plans.start_from_help"),
                        format_func=lambda i: t("plans.start_empty") if i is None else f"{i} · {names[i]}")  # fmt: skip


def _form(plan_id: int) -> DrawnForm[PlanChange]:
    return DrawnForm(f"plans_{plan_id}")


def _update(scope: Scope, plan_id: int, change: PlanChange, drawn: Drawn[PlanChange]) -> None:
    """Save the fields edited in the form (compared with what it showed); a refusal for a field changed meanwhile is
    said after the rerun."""
    _form(plan_id).save(drawn, lambda s, seen: _plans.update_plan(s, scope, plan_id, change, seen),
                        PlanChangedMeanwhile, DONE_KEY, change)  # fmt: skip


def _base_currency() -> str:
    """The program's base currency, where a new plan starts."""
    with session_scope(engine()) as s:
        return program_currency(s)


def plan_form(scope: Scope, plan_id: int | None, copy_of: int | None = None) -> None:
    """The plan's fields, empty for a new plan (None) or as plan `copy_of` has them under a new name, or as they are;
    saved on submit."""
    if plan_id is None and copy_of is None:  # in the program's currency: a plan in another needs its FX rates
        now, tag = PlanChange("", "cpa", _base_currency()), "new"
    else:
        with session_scope(engine()) as s:
            now = _plans.current(s, scope, plan_id or copy_of)  # type: ignore[arg-type]
        tag = str(plan_id) if plan_id is not None else f"new_{copy_of}"
        if plan_id is None:
            now = replace(now, name=t("plans.copy_name", name=now.name)[: _plans.NAME_MAX])
    form = f"plans_form_{tag}"  # one form and button per plan, whatever the generation of its inputs
    drawn = None if plan_id is None else _form(plan_id).drawn(now)
    if drawn is not None:
        now, tag = drawn.shown, f"{tag}{drawn.suffix}"
    with st.form(form):  # its own widgets per plan: they start from that plan's values
        left, middle, right = st.columns(3)
        # no max_chars: the browser drops a longer paste whole (the plan was saved without it); a long value stays
        # typed and the save refuses it with the limit ("The name must have 1 to 120 characters.", "… is not a number")
        name = left.text_input(t("plans.field_name"), now.name, key=f"plans_name_{tag}")
        kind = middle.selectbox(t("plans.field_type"), PLAN_TYPES, index=PLAN_TYPES.index(now.type),
                                format_func=lambda k: t(f"plans.type_{k}"), key=f"plans_type_{tag}",
                                help=t("plans.type_help"))  # fmt: skip
        # a currency the session holds (the program's, where the next form starts after an add) is not given twice:
        # Streamlit warns
        given = f"plans_currency_{tag}" not in st.session_state and now.currency in CURRENCY_LIST
        currency = right.selectbox(t("plans.field_currency"), CURRENCY_LIST, key=f"plans_currency_{tag}",
                                   index=CURRENCY_LIST.index(now.currency) if given else 0,
                                   help=t("plans.currency_help"))  # fmt: skip
        st.markdown(f"**{t('plans.cpa_heading')}**")
        cpa = {
            kind_: col.text_input(
                t(f"plans.cpa_{kind_}"), typed(now.cpa_amounts.get(kind_)), key=f"plans_cpa_{kind_}_{tag}"
            )
            for col, kind_ in zip(st.columns(len(CPA_TYPES)), CPA_TYPES, strict=True)
        }
        left, middle, right = st.columns(3)
        baseline = left.text_input(t("plans.field_ftd_baseline"), typed(now.ftd_baseline),
                                   key=f"plans_baseline_{tag}", help=t("plans.baseline_help"))  # fmt: skip
        percent = middle.text_input(t("plans.field_revshare_pct"), typed(now.revshare_pct),
                                    key=f"plans_revshare_{tag}", help=t("plans.revshare_help"))  # fmt: skip
        # no bounds in the browser, which said them in English on hover only and then saved nothing: the store
        # refuses a number out of them in the session's language ("Hold days must be from 0 to 365.")
        held = None if f"plans_hold_{tag}" in st.session_state else int(now.hold_days)  # given once, as the currency
        hold = right.number_input(t("plans.field_hold_days"), value=held, step=1,
                                  key=f"plans_hold_{tag}", help=t("plans.hold_help"))  # fmt: skip
        st.markdown(f"**{t('plans.field_volume_tiers')}**")
        st.caption(t("plans.tiers_help"))
        columns = {c: st.column_config.TextColumn(t(f"plans.tier_{c}")) for c in TIER_COLUMNS}
        # an empty cell of an added row reads empty, as a saved row's does, not "None" (in English on any page)
        edited = st.data_editor(_tier_frame(now.volume_tiers), num_rows="dynamic", hide_index=True, placeholder="",
                                column_config=columns, key=f"plans_tiers_{tag}", width="stretch")  # fmt: skip
        st.markdown(f"**{t('plans.field_subpartner_override_pct')}**")
        levels = tuple(
            col.text_input(
                t("plans.level", n=i + 1),
                typed(now.overrides[i]) if i < len(now.overrides) else "",
                key=f"plans_level_{i}_{tag}",
            )
            for i, col in enumerate(st.columns(_plans.MAX_LEVELS))
        )
        st.caption(t("plans.overrides_help"))
        label = t("plans.add_submit") if plan_id is None else t("plans.save", plan=plan_id)
        if not st.form_submit_button(
            label, type="primary", on_click=None if plan_id is None else _form(plan_id).mark_saving
        ):
            return
    change = PlanChange(name, str(kind), str(currency), cpa, baseline, percent, _rows(edited), levels, int(hold))
    if plan_id is None:
        keys = (f"plans_name_{tag}", f"plans_baseline_{tag}", f"plans_revshare_{tag}", f"plans_hold_{tag}",
                f"plans_tiers_{tag}", (f"plans_type_{tag}", PLAN_TYPES[0]),
                (f"plans_currency_{tag}", _base_currency()),
                *(f"plans_cpa_{k}_{tag}" for k in CPA_TYPES),
                *(f"plans_level_{i}_{tag}" for i in range(_plans.MAX_LEVELS)))  # fmt: skip
        save_then_rerun(
            lambda s: _plans.create_plan(s, scope, change),
            DONE_KEY,
            clear=keys,
            after=lambda _: st.session_state.pop(START_KEY, None),
            once=("plans_add", change),
        )  # the next one starts empty again
    else:
        _update(scope, plan_id, change, drawn)  # type: ignore[arg-type]
