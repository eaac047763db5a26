"""A page's elements in the order an AppTest drew them, for tests of where something is said (a notice under the
form whose button was clicked, not a screen above it)."""

from __future__ import annotations


def walk(node: object) -> list[object]:
    """`node` and every element under it, in the order drawn."""
    children = getattr(node, "children", None)
    if not children:
        return [node]
    return [node] + [n for key in sorted(children) for n in walk(children[key])]


def texts_and_keys(node: object) -> list[object]:
    """Each element under `node` as its text when it has one (headers, notices, captions), else its widget key."""
    return [v if isinstance(v := getattr(n, "value", None), str) else getattr(n, "key", None) for n in walk(node)]
