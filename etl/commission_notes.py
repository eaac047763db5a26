"""The run summary's lines about the commission engine's pass (`etl.runner`): what it could not price, and the
approved money it kept that would be priced differently now. Kept light (no DuckDB): the runner imports it early."""

from __future__ import annotations


def commission_notes(result: object) -> list[str]:
    """Warnings of an engine pass (`etl.commission.CommissionResult`; a stand-in without the counts gives none)."""
    notes = []
    if kept := int(getattr(result, "kept_final", 0) or 0):
        one = kept == 1
        notes.append(
            f"{kept:,} approved or paid commission{'' if one else 's'} would be priced differently now "
            "(a conversion's amount, a tier, a plan or an override's source commission changed since) and "
            f"{'keeps its' if one else 'keep their'} amount, as approved money is final: settle "
            f"{'the' if one else 'a'} difference with a feed commission of kind adjustment that names no "
            "conversion_id (one naming it would replace the engine's commission); later runs say "
            f"{'it' if one else 'one'} again only if the amount it would be priced at changes"
        )
    if waiting := int(getattr(result, "missing_fx", 0) or 0):
        notes.append(
            f"{waiting:,} conversion{'s' if waiting != 1 else ''} the plans would pay "
            f"{'are' if waiting != 1 else 'is'} not priced: no FX rate of the plan's currency on or before "
            "the conversion's day (priced by the run that loads one in fx_rates)"
        )
    return notes
