"""A file uploader's own words in the session's language.

Streamlit writes its uploader's button ("Upload") and the line beside it ("1MB per file • PNG, JPG, GIF, WEBP") in
English whatever the page's language, and takes no text for them: on a Russian page they are drawn over with the
session's words (the English ones kept in the page, at no size)."""

from __future__ import annotations

from collections.abc import Sequence

from streamlit.delta_generator import DeltaGenerator

from cabinet.ui.reading import css_text
from cabinet.ui.text import current_locale, t

_STYLE = """<style>
[class*="st-key-{prefix}"] [data-testid="stFileUploaderDropzone"] button p,
[class*="st-key-{prefix}"] [data-testid="stFileUploaderDropzoneInstructions"] span {{ font-size: 0; }}
[class*="st-key-{prefix}"] [data-testid="stFileUploaderDropzone"] button p::after {{
  content: "{button}"; font-size: 0.875rem; }}
[class*="st-key-{prefix}"] [data-testid="stFileUploaderDropzoneInstructions"] span::after {{
  content: "{limit}"; font-size: 0.875rem; }}
</style>"""


def uploader_words(where: DeltaGenerator, key_prefix: str, mb: int, types: Sequence[str]) -> None:
    """Before the uploaders whose keys start with `key_prefix`: their button and size line in the session's language
    (`mb` per file, file `types`), unless that is English, Streamlit's own."""
    if current_locale() == "en":
        return
    limit = t("uploader.limit", mb=mb, types=", ".join(x.upper() for x in types))
    where.html(_STYLE.format(prefix=key_prefix, button=css_text(t("uploader.button")), limit=css_text(limit)))
