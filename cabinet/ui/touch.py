"""What every page adds for phones and other touch screens, where Streamlit draws some things for a mouse and a wide
screen.

On a touch screen (`pointer: coarse`, the test Streamlit itself makes) Streamlit pins a table's toolbar (columns,
download, search, full screen) 44 px above the table, into the 16 px gap between elements: it covered the end of the
line above it ("By the week of the clic…" on Time to convert, the last digit of the commission card over Tracking
links' table). There the table moves down by the rest, its toolbar above it in a space of its own.

`st.code`'s copy button shows on hover only, which a finger does not give: the tracking link offered "to copy" had no
button to copy it with until the link itself was tapped. On a touch screen the button shows, and the code leaves room
for it at its right, so the end of a long first line is not under it.

On a phone (below 640 px, where Streamlit stacks columns) a multiselect's chosen option too long for its box wraps:
cut, the Russian Reports' last metric read "Комиссия (без отклонённых и отменё…".

Below 768 px (Streamlit's own limit) the menu opens over the page; a page picked in it opened under the menu, still
open over 300 of 390 px, and took a second tap to see. There a tap on a page link folds the menu away, as Streamlit's
own page list does.
"""

from __future__ import annotations

import streamlit as st

TOOLBAR_ROOM = "2rem"  # the toolbar's 2.75rem above its table and 0.25rem of air, less the 1rem gap between elements
_TABLE = '[data-testid="stElementContainer"]:has(> [data-testid="stFullScreenFrame"] > [data-testid="stDataFrame"])'
_COPY = '[data-testid="stCode"] > div:has([data-testid="stElementToolbarButton"])'
_CHIP = '[data-testid="stMultiSelectTagsContainer"] [data-tag]'  # a chosen option in a multiselect
CHIP_HEIGHT = "1.75rem"  # Streamlit's: a chip of one line as tall as before, as easy to tap
TOUCH_STYLE = (
    "<style>@media (pointer: coarse) { "
    f"{_TABLE} {{ margin-top: {TOOLBAR_ROOM}; }} "
    f"{_COPY} {{ opacity: 1; visibility: visible; pointer-events: auto; }} "
    '[data-testid="stCode"] pre { padding-right: 3rem; } } '
    f"@media (max-width: 640px) {{ {_CHIP} {{ height: auto; min-height: {CHIP_HEIGHT}; padding-block: 0.25rem; }} "
    f"{_CHIP} > span {{ white-space: normal; line-height: 1.35; }} }}"
    "</style>"
)
# the container of the two, and the wrapper Streamlit puts it in: shown, it took a gap's 16 px above the page's title
_HIDDEN = '[data-testid="stLayoutWrapper"]:has(> .st-key-cabinet_touch), .st-key-cabinet_touch'
NARROW = "(max-width: 767.98px)"  # Streamlit's `md` breakpoint: below it the sidebar opens over the page
FOLD_MENU = f"""<script>
if (!window.cabinetFoldsMenu) {{
  window.cabinetFoldsMenu = true;
  document.addEventListener("click", (event) => {{
    if (!event.target.closest('[data-testid="stSidebar"] [data-testid="stPageLink-NavLink"]')) return;
    if (!window.matchMedia("{NARROW}").matches) return;
    document.querySelector('[data-testid="stSidebarCollapseButton"] button')?.click();
  }});
}}
</script>"""


def touch_screens() -> None:
    """Draw the style and the menu's script above, in a container kept out of sight."""
    st.container(key="cabinet_touch").html(
        f"<style>{_HIDDEN} {{ display: none; }}</style>{TOUCH_STYLE}{FOLD_MENU}",
        unsafe_allow_javascript=True,
    )
