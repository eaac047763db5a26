"""The Offer catalogue page's parts (admins): the offer form, shared by "Add an offer" and "Change an offer", and an
offer's creatives with their upload form (`cabinet.offers_admin`, `cabinet.creatives_admin` check and store)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st
from sqlalchemy import select
from sqlalchemy.orm import Session
from streamlit.delta_generator import DeltaGenerator
from streamlit.errors import StreamlitAPIException

from cabinet import creatives_admin as _creatives
from cabinet import offers_admin as _offers
from cabinet.access import Scope
from cabinet.creatives import CreativeItem, creative_file
from cabinet.i18n import LOCALES, catalog, translate
from cabinet.offers_admin import CatalogueRow, OfferChange, OfferChangedMeanwhile, OfferSaved
from cabinet.store.models import OFFER_ACCESS, OFFER_STATUSES, Creative, Tier
from cabinet.ui.drawn_form import Drawn, DrawnForm
from cabinet.ui.menu import LANGUAGE_NAMES
from cabinet.ui.resources import app_settings, engine
from cabinet.ui.text import current_locale, t, tier_label, vertical
from cabinet.ui.unreachable import session_scope
from cabinet.ui.uploader_words import uploader_words
from cabinet.ui.widgets import fmt_number, plain, save_then_rerun, show_refusal

DONE_KEY = "catalogue_saved"  # OfferSaved (or OfferChangedMeanwhile): said once after the rerun
CREATIVE_DONE_KEY = "catalogue_creative_done"  # ("creative_added" | "creative_removed", ids, where it was clicked)
GRID, UPLOAD, TEXT = "grid", "upload", "text"  # said under the creatives, the upload form, the text form
PICK_NEXT_KEY = "catalogue_pick_next"  # the offer just added, for the page to pick
ANY_LANGUAGE = ""
_UPLOADS_KEY = "catalogue_upload_generation"


@dataclass(frozen=True)
class Catalogue:
    """What the page lists and offers to pick from."""

    rows: list[CatalogueRow]
    tiers: dict[str, str]  # code → name, by rank
    verticals: list[str]


def catalogue(scope: Scope) -> Catalogue:
    """Every offer with its counts, the tiers and the verticals in use."""
    with session_scope(engine()) as s:
        tiers = {
            code: tier_label(code, name)
            for code, name in s.execute(select(Tier.code, Tier.name).order_by(Tier.rank, Tier.code))
        }
        return Catalogue(_offers.catalogue(s, scope), tiers, _offers.verticals(s))


def say_done(added: bool) -> None:
    """What the last save of an offer did, once, where its form is: an added offer (`added`) or a change."""
    done = st.session_state.get(DONE_KEY)
    if isinstance(done, OfferChangedMeanwhile) and not added:
        del st.session_state[DONE_KEY]
        show_refusal(done)
        return
    if not isinstance(done, OfferSaved) or done.created != added:
        return
    del st.session_state[DONE_KEY]
    if done.created:
        st.success(t("catalogue.added", offer=done.offer_id, name=plain(done.name)))
        st.session_state[PICK_NEXT_KEY] = done.offer_id  # "Change an offer" opens on it: its creatives come next
        return
    fields = ", ".join(t(f"catalogue.field_{f}") for f in done.changed)
    st.success(t("catalogue.saved", offer=done.offer_id, fields=fields) if done.changed else t("catalogue.same"))
    if done.links_on_removed_pages:
        st.warning(t("catalogue.stranded_links", n=done.links_on_removed_pages))
    if done.kept_access:
        st.info(t("catalogue.kept_access", n=done.kept_access))


_VERTICAL_KEY = "offers.vertical_"  # + a vertical's code: its name (`cabinet.ui.text.vertical`)
# names a vertical had before (people type what they learnt): "Интернет-магазины" is "Товары" since the catalogue fit
_FORMER_NAMES = {"интернет-магазины": "ecommerce"}


def vertical_code(typed: str) -> str:
    """The vertical typed in the offer form as stored: the code of a vertical the cabinet names, typed by its name in
    either language or by its code ("E-commerce", "Товары", "ecommerce": ecommerce), so the field can
    show the name the table shows; any other as typed (a new vertical, which the store checks)."""
    folded = " ".join(typed.split()).casefold()
    for key in catalog("en"):
        code = key.removeprefix(_VERTICAL_KEY)
        if key.startswith(_VERTICAL_KEY) and folded in {code, *(translate(key, loc).casefold() for loc in LOCALES)}:
            return code
    return _FORMER_NAMES.get(folded, typed)


def _form(offer_id: int) -> DrawnForm[OfferChange]:
    return DrawnForm(f"catalogue_{offer_id}")


def _update(scope: Scope, offer_id: int, change: OfferChange, drawn: Drawn[OfferChange]) -> None:
    """Save the fields edited in the form (compared with what it showed); a refusal for a field changed meanwhile is
    said after the rerun."""
    _form(offer_id).save(drawn, lambda s, seen: _offers.update_offer(s, scope, offer_id, change, seen),
                         OfferChangedMeanwhile, DONE_KEY, change)  # fmt: skip


def offer_form(scope: Scope, found: Catalogue, offer_id: int | None) -> None:
    """The offer's fields, empty for a new offer (None) or as they are; saved on submit."""
    drawn = None
    if offer_id is None:
        now, tag = OfferChange("", "", status="active"), "new"
    else:
        with session_scope(engine()) as s:
            stored = _offers.current(s, scope, offer_id)
        drawn = _form(offer_id).drawn(stored)
        now, tag = drawn.shown, f"{offer_id}{drawn.suffix}"
    with st.form(f"catalogue_form_{offer_id or 'new'}"):  # its own widgets per offer: they start from its values
        left, right = st.columns(2)
        # no max_chars on text fields: the browser drops a pasted value longer than that whole; the store refuses
        # a long one with its limit, and the form keeps it (as on Tracking links)
        name = left.text_input(t("catalogue.field_name"), now.name, key=f"catalogue_name_{tag}")
        # by its name in the session's language, as the table shows it ("E-commerce", not its code "ecommerce")
        typed = right.text_input(t("catalogue.field_vertical"), vertical(now.vertical) if now.vertical else "",
                                 key=f"catalogue_vertical_{tag}", help=t("catalogue.vertical_help",
                                 verticals=", ".join(map(vertical, found.verticals)) or "—"))  # fmt: skip
        description = st.text_area(t("catalogue.field_description"), now.description, key=f"catalogue_desc_{tag}",
                                   height=90)  # fmt: skip
        pages = st.text_area(t("catalogue.field_landing_urls"), "\n".join(now.landing_urls), height=90,
                             key=f"catalogue_pages_{tag}",
                             help=t("catalogue.pages_help", n=_offers.LANDING_MAX))  # fmt: skip
        status = left.selectbox(t("catalogue.field_status"), OFFER_STATUSES, key=f"catalogue_status_{tag}",
                                index=OFFER_STATUSES.index(now.status) if now.status in OFFER_STATUSES else 0,
                                format_func=lambda s: t(f"catalogue.status_{s}"),
                                help=t("catalogue.status_help"))  # fmt: skip
        access = left.selectbox(t("catalogue.field_access"), OFFER_ACCESS, key=f"catalogue_access_{tag}",
                                index=OFFER_ACCESS.index(now.access) if now.access in OFFER_ACCESS else 0,
                                format_func=lambda a: t(f"catalogue.access_{a}"),
                                help=t("catalogue.access_help"))  # fmt: skip
        tiers = right.multiselect(t("catalogue.field_tiers_allowed"), list(found.tiers), format_func=found.tiers.get,
                                  default=[c for c in now.tiers_allowed if c in found.tiers],
                                  key=f"catalogue_tiers_{tag}", placeholder=t("catalogue.all_tiers"),
                                  help=t("catalogue.tiers_help"))  # fmt: skip
        label = t("catalogue.add_submit") if offer_id is None else t("catalogue.save", offer=offer_id)
        if not st.form_submit_button(
            label, type="primary", on_click=None if offer_id is None else _form(offer_id).mark_saving
        ):
            return
    change = OfferChange(name, vertical_code(typed), description, _offers.landing_lines(pages), str(status),
                         tuple(tiers), str(access))  # fmt: skip
    if offer_id is None:
        fields = tuple(f"catalogue_{f}_new" for f in ("name", "vertical", "desc", "pages"))
        save_then_rerun(
            lambda s: _offers.create_offer(s, scope, change),
            DONE_KEY,
            clear=fields,
            once=("catalogue_form_new", change),
        )
    else:
        _update(scope, offer_id, change, drawn)  # type: ignore[arg-type]


def _shelf(offer_id: int | None) -> list[CreativeItem]:
    with session_scope(engine()) as s:
        query = select(Creative).where(
            Creative.offer_id.is_(None) if offer_id is None else Creative.offer_id == offer_id
        )
        return [
            CreativeItem(c.id, c.name, c.kind, c.width, c.height, c.locale, c.offer_id, None, c.file_path,
                         c.mime_type, c.size_bytes)
            for c in s.scalars(query.order_by(Creative.id))
        ]  # fmt: skip


def picture(where: DeltaGenerator, content: bytes, width: int, note: str, name: str) -> None:
    """A banner's preview, re-encoded when its pixels cannot be drawn as they are (`cabinet.creatives_admin.drawable`:
    one stored before uploads were converted); one that cannot be drawn at all is the short `note`, never an exception
    that leaves the cards after it undrawn. Its alt text names the creative (`name`, as typed: an attribute, never
    markup), for a screen reader and for a picture that does not load."""
    shown = _creatives.drawable(content)
    if shown is not None:
        try:
            where.image(shown, width=width, alt=t("creatives.alt", name=name))
            return
        except (OSError, SyntaxError, ValueError, StreamlitAPIException):  # damaged past its header since the upload
            pass
    where.caption(note)


def _remove(scope: Scope, creative_id: int) -> None:
    def gone(orphan: object) -> None:  # committed: the file no creative names goes too
        if isinstance(orphan, Path):
            orphan.unlink(missing_ok=True)

    save_then_rerun(lambda s: _creatives.remove_creative(s, scope, app_settings().creatives_dir, creative_id),
                    CREATIVE_DONE_KEY, done=("creative_removed", creative_id, GRID), after=gone)  # fmt: skip


def creatives_box(scope: Scope, offer_id: int | None) -> None:
    """An offer's creatives (None: the program-wide ones), each removable, and the form to upload more."""
    items = _shelf(offer_id)
    st.caption(t("catalogue.creatives_count", n=len(items)))
    for first in range(0, len(items), 4):
        for col, item in zip(st.columns(4), items[first : first + 4], strict=False):
            card = col.container(border=True)
            content = creative_file(app_settings().creatives_dir, item)
            if content is None:
                card.warning(t("catalogue.file_missing"))
            elif item.kind == "text":
                card.text(content.decode(errors="replace")[:300])  # as typed: text, never Markdown
            else:
                w, h = item.width or 160, item.height or 160
                picture(card, content, max(20, min(w, 160, w * 160 // h)), t("catalogue.no_preview"), item.name)  # 160
            kb = fmt_number(item.size_bytes / 1024, current_locale(), 1)
            language = LANGUAGE_NAMES.get(item.locale, item.locale) if item.locale else ""  # "English", not "en"
            parts = (plain(item.name), item.size, t("common.kb", n=kb), language)  # the name as typed
            card.caption(" · ".join(x for x in parts if x))
            if card.button(t("catalogue.remove"), key=f"catalogue_remove_{item.creative_id}", icon=":material/delete:"):
                _remove(scope, item.creative_id)
    _say_creative(GRID)  # under the cards: a notice above them was a screen away from a lower card's button
    _upload_form(scope, offer_id)
    _say_creative(UPLOAD)
    _text_form(scope, offer_id)
    _say_creative(TEXT)


def _say_creative(place: str) -> None:
    """What the last upload, text ad or removal made at `place` did, once."""
    done = st.session_state.get(CREATIVE_DONE_KEY)
    if done is not None and done[2] == place:
        del st.session_state[CREATIVE_DONE_KEY]
        st.success(t(f"catalogue.{done[0]}", creative=done[1]))


def _upload_form(scope: Scope, offer_id: int | None) -> None:
    """The form that uploads banners to the offer (None: the program)."""
    languages = [ANY_LANGUAGE, *LOCALES]
    generation = st.session_state.setdefault(_UPLOADS_KEY, 0)  # a new uploader, empty, after each upload
    with st.form(f"catalogue_upload_{offer_id or 0}"):
        uploader_words(st, "catalogue_files_", _creatives.MAX_BYTES // (1024 * 1024), ("png", "jpg", "gif", "webp"))
        files = st.file_uploader(t("catalogue.upload"), type=["png", "jpg", "jpeg", "gif", "webp"],
                                 key=f"catalogue_files_{offer_id or 0}_{generation}",
                                 accept_multiple_files=True, max_upload_size=_creatives.MAX_BYTES // (1024 * 1024),
                                 help=t("catalogue.upload_help",
                                 mb=_creatives.MAX_BYTES // (1024 * 1024), side=_creatives.MAX_SIDE))  # fmt: skip
        left, right = st.columns(2)
        # no max_chars: the browser drops a longer paste whole; the store refuses a long name with the limit
        name = left.text_input(t("catalogue.creative_name"), help=t("catalogue.creative_name_help"))
        locale = right.selectbox(t("catalogue.creative_locale"), languages,
                                 format_func=lambda c: LANGUAGE_NAMES.get(c, t("catalogue.any_language")))  # fmt: skip
        if not st.form_submit_button(t("catalogue.upload_submit"), icon=":material/upload:"):
            return
        if not files:  # pressed with no file chosen: said, rather than nothing at all
            st.error(t("catalogue.upload_none"))
            return
    uploads = [_creatives.NewCreative(f.name, f.getvalue(), name if len(files) == 1 else "", offer_id,
                                      locale or None) for f in files]  # fmt: skip

    def add(session: Session) -> tuple[str, str, str]:
        added = [_creatives.add_creative(session, scope, app_settings().creatives_dir, new).id for new in uploads]
        st.session_state[_UPLOADS_KEY] = generation + 1
        return "creative_added", ", ".join(map(str, added)), UPLOAD

    save_then_rerun(add, CREATIVE_DONE_KEY)


def _text_form(scope: Scope, offer_id: int | None) -> None:
    """The form that adds a text ad to the offer (None: the program)."""
    tag = offer_id or 0
    keys = {"name": f"catalogue_text_name_{tag}", "locale": f"catalogue_text_locale_{tag}",
            "body": f"catalogue_text_body_{tag}"}  # fmt: skip
    with st.form(f"catalogue_text_{tag}"):
        st.markdown(f"**{t('catalogue.text_title')}**")
        left, right = st.columns(2)
        name = left.text_input(t("catalogue.creative_name"), key=keys["name"])  # a long paste kept, refused
        locale = right.selectbox(t("catalogue.creative_locale"), [ANY_LANGUAGE, *LOCALES], key=keys["locale"],
                                 format_func=lambda c: LANGUAGE_NAMES.get(c, t("catalogue.any_language")))  # fmt: skip
        text = st.text_area(t("catalogue.text_body"), height=120, key=keys["body"],  # a long paste kept, refused
                            help=t("catalogue.text_help", link=_creatives.LINK, n=_creatives.TEXT_MAX))  # fmt: skip
        if not st.form_submit_button(t("catalogue.text_submit"), icon=":material/notes:"):
            return
    new = _creatives.NewText(name, text, offer_id, locale or None)

    def add(session: Session) -> tuple[str, str, str]:
        return "creative_added", str(_creatives.add_text(session, scope, app_settings().creatives_dir, new).id), TEXT

    save_then_rerun(add, CREATIVE_DONE_KEY, clear=(keys["name"], keys["body"]), once=(f"catalogue_text_{tag}", new))
