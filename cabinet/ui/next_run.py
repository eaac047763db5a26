"""What a page sets in the session for its next draw: the inputs of a form just saved, drawn empty, and what a change
left to say and set (`told_next`). Both are applied by `empty_saved_inputs`, first thing of a page's run."""

from __future__ import annotations

import streamlit as st

Inputs = tuple[str | tuple[str, object], ...]  # widget keys, or (key, the value it starts with again)


def forget_inputs(keys: Inputs) -> None:
    """Forget the widgets `keys` of a form that was saved, so the next run draws them empty (`empty_saved_inputs`),
    or with the value given beside a key (a select box's first option); call before `st.rerun()`."""
    emptied: list[tuple[str, object]] = []
    for item in keys:
        key, start = item if isinstance(item, tuple) else (item, None)
        value = st.session_state.pop(key, None)
        if start is not None:
            emptied.append((key, start))
        elif isinstance(value, str | int | float) and not isinstance(value, bool):
            emptied.append((key, type(value)()))  # "" or 0: the form's text and number inputs start empty
    st.session_state[_EMPTY_NEXT] = emptied


_EMPTY_NEXT = "_cabinet_empty_inputs"  # (key, "" or 0) of the inputs a saved form leaves, for the next run


def empty_saved_inputs() -> None:
    """Give the text and number inputs of the form saved in the run before an empty value ("" or 0), before the page
    draws them.

    Forgetting a widget's key is not enough in a browser: the form shows what was typed until the server sets a
    value, and a value can only be set before the widget exists in a run (so not where the form was saved)."""
    for key, empty in st.session_state.pop(_EMPTY_NEXT, ()):
        st.session_state[key] = empty
    told = st.session_state.get(_TOLD_NEXT)  # and what a change left to say and set (`told_next`)
    for key, value in list(told.items()) if told else ():
        if value == FORGET:
            st.session_state.pop(key, None)
        else:
            st.session_state[key] = value
        del told[key]  # after: a stop in between sets it in the next run


def told_next() -> dict[str, object]:
    """Where a change keeps what the page is to say and set in its next draw (a notice, an input emptied, or `FORGET`:
    the key dropped), applied by `empty_saved_inputs`. Take it before the store change: filling a plain dict after
    the commit is no Streamlit call, and a run Streamlit stops at its next call (the browser asked for another) would
    lose what was set in the session the usual way."""
    return st.session_state.setdefault(_TOLD_NEXT, {})


_TOLD_NEXT = "_cabinet_told_next"  # {session key: value} a change left for the page's next draw (`told_next`)
FORGET = "_cabinet_forget"  # a `told_next` value: the key is dropped (its widget drawn from its default or the store)
