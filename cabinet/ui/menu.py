"""The sidebar: branding, the pages the user may open, data as of, view-as-partner, language, time zone, logout."""

from __future__ import annotations

import ast
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import streamlit as st

from cabinet.access import ScopeError, build_session_user, record_refused_view
from cabinet.config import PROJECT_ROOT
from cabinet.i18n import LOCALES, MissingTranslation, translate
from cabinet.prefs import COMMON_ZONES, save_prefs
from cabinet.session import SESSION_KEY, SessionUser
from cabinet.ui.branding import apply_branding
from cabinet.ui.dates import fmt_as_of
from cabinet.ui.login import logout_button
from cabinet.ui.reading import page_language
from cabinet.ui.resources import app_settings, engine
from cabinet.ui.text import LOCALE_KEY, current_locale, t
from cabinet.ui.unreachable import reaching_store
from cabinet.ui.widgets import plain
from queries.warehouse import CurrentError, read_current

# page file → (feature it needs, icon, label: the translation of "menu.<label>")
PAGES: dict[str, tuple[str, str, str]] = {
    "pages/01_dashboard.py": ("dashboard", ":material/dashboard:", "dashboard"),
    "pages/02_reports.py": ("reports", ":material/table_chart:", "reports"),
    "pages/03_commissions.py": ("reports", ":material/receipt_long:", "commissions"),  # a report, row by row
    "pages/04_subpartners.py": ("subpartners", ":material/account_tree:", "subpartners"),
    "pages/05_cohorts.py": ("cohorts", ":material/grid_on:", "cohorts"),
    "pages/15_time_to_convert.py": ("cohorts", ":material/timelapse:", "time_to_convert"),  # an analysis next to it
    "pages/19_offers.py": ("links", ":material/storefront:", "offers"),  # what to promote, then its link
    "pages/06_links.py": ("links", ":material/link:", "links"),
    "pages/18_postbacks.py": ("links", ":material/webhook:", "postbacks"),  # tracking, sent to the partner's server
    "pages/07_creatives.py": ("creatives", ":material/photo_library:", "creatives"),
    "pages/08_promo_codes.py": ("promo_codes", ":material/sell:", "promo_codes"),
    "pages/09_payouts.py": ("payouts", ":material/payments:", "payouts"),
    "pages/10_account.py": ("account", ":material/person:", "account"),
    "pages/11_full_export.py": ("full_export", ":material/file_export:", "full_export"),
    "pages/12_program.py": ("admin", ":material/settings:", "program"),
    "pages/13_partners.py": ("manage", ":material/groups:", "partners"),
    "pages/22_review.py": ("manage", ":material/monitor_heart:", "review"),  # who needs a manager's attention
    "pages/20_catalogue.py": ("admin", ":material/inventory_2:", "catalogue"),  # offers and their creatives
    "pages/21_plans.py": ("admin", ":material/request_quote:", "plans"),  # what partners are paid
    "pages/23_data_loads.py": ("admin", ":material/database:", "data_loads"),  # what the ETL loaded, and refused
    "pages/14_audit.py": ("admin", ":material/history:", "audit"),
    "pages/16_logins.py": ("admin", ":material/manage_accounts:", "logins"),
    "pages/17_emails.py": ("admin", ":material/mail:", "emails"),
}
NEW_PAGE_ICON = ":material/science:"  # a page file PAGES does not list yet: a view being prototyped
LANGUAGE_NAMES = {"en": "English", "ru": "Русский"}
REAL_USER_KEY = "menu_real_user"
VIEW_AS_PARAM = "view_as"  # the partner a manager views the cabinet as, kept in the URL: a reload resumes the view


@lru_cache(maxsize=128)
def _guard_feature(path: Path, mtime_ns: int) -> str | None:
    """The feature a page's guard asks for: the string literal of its `require_user("...")` call (None: none)."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return None  # the page itself shows its error when opened; the menu leaves it out
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "require_user":
            first = node.args[0] if node.args else None
            return first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None
    return None


def calling_page(file: str) -> str:
    """The menu label (the key after `menu.`) of the page file `file`: its `PAGES` entry's, else its file name without
    the number (`pages/24_top_sub_ids.py`: `top_sub_ids`), as the menu lists it."""
    name = Path(file).name
    return PAGES.get(f"pages/{name}", ("", "", Path(name).stem.lstrip("0123456789_") or Path(name).stem))[2]


def menu_pages(root: Path | None = None) -> dict[str, tuple[str, str, str]]:
    """PAGES, then every other page file: adding a view takes a query module and a page file, no entry here.

    A page PAGES does not list is shown to the users its guard lets in (`require_user("manage")`: staff only), after
    the listed ones, labelled by `menu.<name>` when translated, else by its file name (`12_top_subs.py`: Top subs).
    """
    root = root or PROJECT_ROOT
    pages = {path: entry for path, entry in PAGES.items() if (root / path).is_file()}
    for file in sorted((root / "pages").glob("*.py")):
        path = f"pages/{file.name}"
        if path not in pages and (feature := _guard_feature(file, file.stat().st_mtime_ns)) is not None:
            pages[path] = (feature, NEW_PAGE_ICON, calling_page(path))
    return pages


def visible_pages(user: SessionUser, root: Path | None = None) -> list[tuple[str, str, str]]:
    """(path, label, icon) of the existing pages the user may open, in menu order."""
    return [(path, label, icon) for path, (feat, icon, label) in menu_pages(root).items() if user.has(feat)]


# the words of a page file's name written as capitals when it is named by them (`epc_by_offer`: "EPC by offer")
ACRONYMS = {w.lower(): w for w in ("API", "ARPU", "CPA", "CR", "CSV", "EPC", "FTD", "FTDs", "FX", "ID", "IDs", "IP",
                                   "KPI", "KPIs", "LTV", "PDF", "QR", "ROI", "URL", "URLs", "UTM", "XLSX")}  # fmt: skip


def label_words(label: str, locale: str) -> str:
    """The menu label `label` (the key after `menu.`) in `locale`; a new page without a translation yet is named by
    its file name as words, the first capitalised and known abbreviations in capitals (`top_sub_ids`: "Top sub IDs",
    `epc_by_offer`: "EPC by offer")."""
    try:
        return translate(f"menu.{label}", locale)
    except MissingTranslation:
        words = [ACRONYMS.get(w.lower(), w.lower()) for w in label.split("_") if w]
        return " ".join([words[0][:1].upper() + words[0][1:], *words[1:]]) if words else label


def page_label(label: str) -> str:
    """A menu label in the session's language (`label_words`)."""
    return label_words(label, current_locale())


def _set_user(user: SessionUser) -> None:
    st.session_state[SESSION_KEY] = user
    st.rerun()


def zone_options(user: SessionUser) -> list[str]:
    """The time zones offered: the user's first, then the common ones."""
    return list(dict.fromkeys([user.timezone, *COMMON_ZONES]))


def apply_preferences(user: SessionUser, locale: str, zone: str) -> None:
    """The session in `locale` and `zone`, kept for the login too unless staff are viewing as a partner; the next run
    draws the pages (and the menu's pickers) in them."""
    st.session_state[LOCALE_KEY] = locale
    if not user.impersonator:
        with reaching_store():
            save_prefs(engine(), user.user_id, locale=locale, timezone=zone)
    st.session_state[SESSION_KEY] = replace(user, locale=locale, timezone=zone)


def _switch_view(user: SessionUser) -> None:
    """Into or out of a partner view: in the view's own time zone (the zone picker kept the previous user's choice,
    and applied it to the partner's view)."""
    st.session_state.pop("menu_timezone", None)
    _set_user(user)


def _resume_view(user: SessionUser) -> None:
    """After a reload (a new session: the manager comes back from the cookie) go back into the partner view the URL
    names. The same scope check as the button: a link naming someone else's partner leaves the manager as they are,
    and says so in every run while the address names it (the cookie's answer reruns a page opened by a link at once:
    a refusal said in the first run only was gone within a second); another page's address does not name it."""
    wanted = st.query_params.get(VIEW_AS_PARAM)
    if wanted is None or user.impersonator or user.role not in ("manager", "admin"):
        return
    try:
        partner_id = int(wanted)
    except ValueError:  # "?view_as=abc": no partner's number, not someone else's partner
        _refused_once(user, wanted)
        st.warning(t("menu.view_as_not_id", value=plain(wanted[:20])))  # from the URL
        return
    try:
        with reaching_store():
            view = build_session_user(engine(), user.username, impersonate_partner_id=partner_id)
    except (ScopeError, ValueError) as exc:  # said, so a link that opens nothing does not look like it worked
        _refused_once(user, wanted)
        key, params = getattr(exc, "key", None), getattr(exc, "params", None)
        st.warning(t(key or "menu.view_as_refused", **(params or {"partner": plain(wanted[:20])})))  # from the URL
        return
    if view is not None:
        st.session_state[REAL_USER_KEY] = user
        _switch_view(view)


def _refused_once(user: SessionUser, wanted: str) -> None:
    """Audit-log a refused view as a partner once per session and partner asked for: the address naming it is read
    again on every run, and a refusal is said on each."""
    logged: set[tuple[str, str]] = st.session_state.setdefault("menu_view_as_refused", set())
    if (user.username, wanted) not in logged:
        logged.add((user.username, wanted))
        with reaching_store():
            record_refused_view(engine(), user.username, wanted)


def _impersonation(user: SessionUser) -> None:
    real: SessionUser | None = st.session_state.get(REAL_USER_KEY)
    if user.impersonator and real is not None:
        st.query_params[VIEW_AS_PARAM] = str(user.partner_id)  # again on every page: switching pages clears it
        st.warning(t("menu.viewing_as", partner=plain(user.display_name)))  # a name as typed, never markup
        if st.button(t("menu.back_to_me"), key="menu_back", icon=":material/undo:"):
            st.session_state.pop(REAL_USER_KEY, None)
            st.query_params.pop(VIEW_AS_PARAM, None)
            _switch_view(real)
        return
    _resume_view(user)
    if user.role not in ("manager", "admin"):
        return
    with st.expander(t("menu.view_as")):
        # no bound for the browser to say in English on hover only: an id no partner has is refused in the language
        pid = st.number_input(t("menu.partner_id"), step=1, value=None, key="menu_view_as_id")
        if pid is not None and st.button(t("menu.open"), key="menu_view_as_go"):
            try:
                with reaching_store():
                    partner_view = build_session_user(engine(), user.username, impersonate_partner_id=int(pid))
            except ScopeError as exc:  # not one of the manager's partners, or (for an admin) no such partner
                _refused_once(user, str(int(pid)))
                key = exc.key or "menu.view_as_refused"
                st.error(t(key, **(exc.params or {"partner": int(pid)})))
                return
            if partner_view is not None:
                st.session_state[REAL_USER_KEY] = user
                st.query_params[VIEW_AS_PARAM] = str(int(pid))
                _switch_view(partner_view)


def sidebar_menu(user: SessionUser) -> None:
    """Draw the sidebar for a logged-in user."""
    brand = apply_branding()
    with st.sidebar:
        # as typed in Program settings, never markup; large and bold, but not a heading: one before the page's title
        # put the headings out of order for a screen reader
        st.container(key="sidebar_program_name").markdown(f"**{plain(brand.name)}**")
        st.markdown(f"**{plain(user.display_name)}**  \n{t(f'menu.role_{user.role}')}")
        _impersonation(user)
        st.page_link("app.py", label=t("menu.home"), icon=":material/home:")
        for path, label, icon in visible_pages(user):
            st.page_link(path, label=page_label(label), icon=icon)
        st.divider()
        try:
            current = read_current(app_settings().warehouse_dir)
        except CurrentError:  # damaged by hand: the pages say so; the menu leaves the date out
            current = None
        if current is not None:  # as the pages and the home page say it
            as_of = current.data_as_of
            st.caption(t("menu.data_as_of", as_of=fmt_as_of(as_of)) if as_of else t("common.no_events"))
        locale = current_locale()
        choice = st.selectbox(
            t("menu.language"),
            LOCALES,
            index=LOCALES.index(locale),
            format_func=LANGUAGE_NAMES.get,
            key="menu_language",
        )
        zone = st.selectbox(t("menu.timezone"), zone_options(user), index=0, key="menu_timezone")
        if choice != locale or zone != user.timezone:
            apply_preferences(user, choice, zone)
            st.rerun()
        page_language("sidebar")
    logout_button()
