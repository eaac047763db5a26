"""The store on SQLite and PostgreSQL: migrations both ways, the models match them, every model round-trips."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.exc import ArgumentError, IntegrityError

from cabinet.auth import LOCKOUT, MAX_FAILED_LOGINS, authenticate
from cabinet.passwords import hash_password
from cabinet.store.db import alembic_config, make_engine, migrate, session_scope
from cabinet.store.models import (
    Announcement,
    AuditLog,
    Base,
    CommissionPlan,
    Creative,
    Offer,
    OfferAccess,
    OutboxMail,
    Partner,
    PartnerNote,
    PayoutRequest,
    Postback,
    PostbackSend,
    ProgramSettings,
    PromoCode,
    SavedView,
    Tier,
    TrackingLink,
    User,
)
from tests.store.conftest import raw_partner

MOSCOW = timezone(timedelta(hours=3))
WHEN = datetime(2026, 11, 1, 12, 30, 5, 123456, tzinfo=UTC)
# Numeric(18, 4) is exact at full width on PostgreSQL. SQLite keeps NUMERIC as a double, exact to 15 significant
# digits: amounts up to 99,999,999,999.9999 come back exactly, wider ones do not (PostgreSQL is the production path).
FULL_WIDTH = Decimal("12345678901234.5678")
SQLITE_WIDTH = Decimal("98765432109.8765")
NESTED: dict[str, Any] = {"ftd": "150.00", "levels": [1, 2, {"deep": None}], "текст": "юникод ✓", "ok": True}


def _tables(url: str) -> set[str]:
    eng = make_engine(url)
    try:
        return set(inspect(eng).get_table_names()) - {"alembic_version"}
    finally:
        eng.dispose()


def test_migrations_upgrade_downgrade_upgrade(store_url: str) -> None:
    every_table = set(Base.metadata.tables)
    migrate(store_url)
    assert _tables(store_url) == every_table
    command.downgrade(alembic_config(store_url), "base")
    assert _tables(store_url) == set(), "downgrade to base must drop every table, the partners<->users cycle too"
    migrate(store_url)
    migrate(store_url)  # idempotent
    assert _tables(store_url) == every_table


def test_the_minimum_payout_migration_keeps_the_settings_row(store_url: str) -> None:
    """0002 adds `program_settings.min_payout` to a store made by 0001: the existing row gets 50 (the constant the
    setting replaced), and the downgrade takes the column away again."""
    migrate(store_url, "0001")
    eng = make_engine(store_url)
    try:
        with eng.begin() as conn:
            conn.execute(
                text(
                    "insert into program_settings (id, name, primary_color, accent_color, base_currency, "
                    "tracking_domain, default_locale, default_timezone, updated_at) values (1, 'P', '#000000', "
                    "'#000000', 'EUR', 'https://t.example', 'en', 'UTC', '2026-11-01 00:00:00')"
                )
            )
        migrate(store_url)
        with eng.connect() as conn:
            assert conn.execute(text("select name, min_payout from program_settings")).one() == ("P", Decimal("50"))
        command.downgrade(alembic_config(store_url), "0001")
        with eng.connect() as conn:
            assert "min_payout" not in {c["name"] for c in inspect(conn).get_columns("program_settings")}
            assert conn.execute(text("select name from program_settings")).scalar() == "P"
    finally:
        eng.dispose()


def test_the_applications_migration_keeps_partners_and_admits_pending(store_url: str) -> None:
    """0003 lets a partner be `pending` (an application): partners made before keep their rows, children and
    indexes, and any other status stays refused; the downgrade turns an application into a paused partner."""
    migrate(store_url, "0002")
    eng = make_engine(store_url)
    insert = ("insert into partners (id, name, status, tier_code, parent_id, currency, timezone, payout_details, "
              "notification_prefs, created_at) values (:id, :name, :status, 'bronze', :parent, 'USD', 'UTC', '{}', "
              "'{}', '2026-11-01 00:00:00')")  # fmt: skip
    try:
        with eng.begin() as conn:
            conn.execute(text("insert into tiers (code, name, rank, features, visible_metrics, subpartner_depth) "
                              "values ('bronze', 'Bronze', 1, '[]', '[]', 0)"))  # fmt: skip
            conn.execute(text(insert), {"id": 1, "name": "Parent", "status": "active", "parent": None})
            with pytest.raises(IntegrityError), conn.begin_nested():
                conn.execute(text(insert), {"id": 2, "name": "Early", "status": "pending", "parent": 1})
        migrate(store_url)
        with eng.begin() as conn:
            conn.execute(text(insert), {"id": 2, "name": "Applicant", "status": "pending", "parent": 1})
            with pytest.raises(IntegrityError), conn.begin_nested():
                conn.execute(text(insert), {"id": 3, "name": "Bad", "status": "waiting", "parent": 1})
        with eng.connect() as conn:
            rows = conn.execute(text("select id, name, status, parent_id from partners order by id")).all()
            assert [tuple(r) for r in rows] == [(1, "Parent", "active", None), (2, "Applicant", "pending", 1)]
            assert {"ix_partners_parent_id", "ix_partners_manager_user_id"} <= {
                i["name"] for i in inspect(conn).get_indexes("partners")}  # fmt: skip
        command.downgrade(alembic_config(store_url), "0002")
        with eng.connect() as conn:
            assert conn.execute(text("select status from partners where id = 2")).scalar() == "paused"
    finally:
        eng.dispose()


def test_the_payout_dates_migration_fills_them_from_the_last_decision(store_url: str) -> None:
    """0016 adds when a request was approved and paid, and the payment's reference: requests decided before get the
    date of the decision their status names; the downgrade drops the columns and keeps the requests."""
    migrate(store_url, "0015")
    eng = make_engine(store_url)
    try:
        with eng.begin() as conn:
            raw_partner(conn)
            for pid, status, decided in (
                (1, "requested", None),
                (2, "approved", "2026-11-03 10:00:00"),
                (3, "paid", "2026-11-05 10:00:00"),
                (4, "rejected", "2026-11-06 10:00:00"),
            ):
                conn.execute(text("insert into payout_requests (id, partner_id, amount, currency, status, details, "
                                  "requested_at, decided_at) values (:id, 1, 60, 'USD', :status, '{}', "
                                  "'2026-11-01 10:00:00', :decided)"),
                             {"id": pid, "status": status, "decided": decided})  # fmt: skip
        migrate(store_url)
        with session_scope(eng) as session:
            rows = {p.id: (p.approved_at, p.paid_at, p.reference) for p in session.scalars(select(PayoutRequest))}
        assert rows == {1: (None, None, None), 2: (datetime(2026, 11, 3, 10, tzinfo=UTC), None, None),
                        3: (None, datetime(2026, 11, 5, 10, tzinfo=UTC), None), 4: (None, None, None)}  # fmt: skip
        command.downgrade(alembic_config(store_url), "0015")
        with eng.connect() as conn:
            assert "paid_at" not in {c["name"] for c in inspect(conn).get_columns("payout_requests")}
            assert conn.execute(text("select count(*) from payout_requests")).scalar() == 4
    finally:
        eng.dispose()


def test_a_cancelled_payout_is_taken_and_downgrades_to_rejected(store_url: str) -> None:
    """0017 admits `cancelled` (a partner took its request back); below it, such a request reads `rejected`."""
    migrate(store_url)
    eng = make_engine(store_url)
    try:
        with session_scope(eng) as session:
            session.add(Tier(code="bronze", name="Bronze", rank=1))
            session.flush()
            partner = Partner(name="P", tier_code="bronze")
            session.add(partner)
            session.flush()
            session.add(PayoutRequest(partner_id=partner.id, amount=Decimal(60), currency="USD", status="cancelled"))
        with pytest.raises(IntegrityError), session_scope(eng) as session:
            session.add(PayoutRequest(partner_id=partner.id, amount=Decimal(1), currency="USD", status="void"))
        command.downgrade(alembic_config(store_url), "0016")
        with eng.connect() as conn:
            assert conn.execute(text("select status from payout_requests")).scalars().all() == ["rejected"]
    finally:
        eng.dispose()


def test_models_match_the_migrations(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], f"models and migrations differ; write a migration: {diff}"


def _big_money(engine: Engine) -> Decimal:
    return SQLITE_WIDTH if engine.dialect.name == "sqlite" else FULL_WIDTH


def _sample_program(session, big: Decimal) -> list[tuple[type, tuple[Any, ...], dict[str, Any]]]:  # type: ignore[no-untyped-def]
    """One fully populated row of every model, linked the way the cabinet links them."""
    tier = Tier(code="gold", name="Gold", rank=3, features=["dashboard", "cohorts"], visible_metrics=["clicks", "epc"],
                subpartner_depth=3)  # fmt: skip
    plan = CommissionPlan(name="Hybrid EUR", type="hybrid", currency="EUR", cpa_amounts=NESTED, ftd_baseline=big,
                          revshare_pct=Decimal("33.3333"), volume_tiers=[{"min_count": 1, "cpa_ftd": "100.0001"}],
                          subpartner_override_pct=["5", "2.5", "1"], hold_days=14, created_at=WHEN)  # fmt: skip
    settings = ProgramSettings(id=1, name="Программа", logo_path="logo.png", primary_color="#112233",
                               accent_color="#445566", base_currency="EUR", tracking_domain="https://t.example.org",
                               default_locale="ru", default_timezone="Europe/Moscow", support_email="s@example.org",
                               min_payout=Decimal("75.5000"), signup_open=True, staff_two_step=True,
                               legal_details="ООО «П»\nИНН 1", updated_at=WHEN)  # fmt: skip
    manager = User(username="mgr", email="m@example.org", display_name="Менеджер", password_hash="!", role="manager",
                   locale="ru", timezone="Europe/Moscow", created_at=WHEN)  # fmt: skip
    session.add_all([tier, plan, settings, manager])
    session.flush()
    parent = Partner(name="Parent", email="p@example.org", status="active", tier_code="gold",
                     manager_user_id=manager.id, plan_id=plan.id, currency="EUR", timezone="Europe/Berlin",
                     payout_method="iban", billing_details="Parent GmbH\nUSt-IdNr. DE1",
                     payout_details={"iban": "DE89370400440532013000"}, notification_prefs={"email": True},
                     created_at=WHEN, invites_since=WHEN + timedelta(microseconds=123456))  # fmt: skip
    session.add(parent)
    session.flush()
    child = Partner(name="Child", status="paused", tier_code="gold", parent_id=parent.id, created_at=WHEN)
    session.add(child)
    session.flush()
    partner_user = User(username="pu", email="pu@example.org", display_name="PU", password_hash="$2b$12$x",
                        role="partner", partner_id=parent.id, failed_logins=3,
                        locked_until=WHEN + timedelta(minutes=15), is_active=False, created_at=WHEN,
                        last_login_at=WHEN, totp_secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
                        totp_last_step=59_000_000, payouts_access=False)  # fmt: skip
    offer = Offer(name="Casino", vertical="igaming", description="long " * 100, landing_urls=["https://a.example/x?y=1"],
                  status="archived", tiers_allowed=["gold"], access="approval", created_at=WHEN)  # fmt: skip
    session.add_all([partner_user, offer])
    session.flush()
    link = TrackingLink(token="tok_" + "a" * 40, partner_id=parent.id, offer_id=offer.id, name="Spring",
                        landing_url="https://a.example/land", sub1="s1", sub2="s2", sub3="s3", sub4="s4", sub5="s5",
                        archived=True, created_at=WHEN)  # fmt: skip
    promo = PromoCode(code="SPRING26", partner_id=parent.id, offer_id=offer.id, description="promo", status="paused",
                      valid_from=WHEN, valid_to=WHEN + timedelta(days=30), created_at=WHEN)  # fmt: skip
    creative = Creative(offer_id=offer.id, name="728x90", kind="banner", width=728, height=90, locale="ru",
                        file_path="creatives/1.png", mime_type="image/png", size_bytes=12345,
                        created_at=WHEN)  # fmt: skip
    payout = PayoutRequest(partner_id=parent.id, amount=big, currency="EUR", status="paid", method="iban",
                           details={"ref": "X-1"}, note="thanks", requested_at=WHEN, decided_at=WHEN,
                           decided_by_user_id=manager.id, approved_at=WHEN - timedelta(days=2), paid_at=WHEN,
                           reference="SEPA-Ж-1")  # fmt: skip
    audit = AuditLog(ts=WHEN, actor_user_id=manager.id, actor_username="mgr", action="impersonate",
                     target=f"partner:{parent.id}", details=NESTED)  # fmt: skip
    news = Announcement(title="Новость", body="**bold** " * 50, tier_code="gold", published_at=WHEN,
                        author_user_id=manager.id, archived=True)  # fmt: skip
    mail = OutboxMail(kind="payout_update", user_id=partner_user.id, to_address="pu@example.org", subject="Тема",
                      body="Текст\n" * 40, status="failed", attempts=5, last_error="SMTPRecipientsRefused: 550",
                      created_at=WHEN, next_attempt_at=WHEN + timedelta(minutes=16), sent_at=None)  # fmt: skip
    hook = Postback(partner_id=parent.id, url="https://t.example/pb?cid={sub2}&s={status}&p={payout}",
                    statuses=["approved", "reversed"], types=["ftd"], enabled=False, from_run=7, seen_run=12,
                    created_at=WHEN, created_by="pu")  # fmt: skip
    session.add_all([link, promo, creative, payout, audit, news, mail, hook])
    session.flush()
    call = PostbackSend(postback_id=hook.id, partner_id=parent.id, conversion_id="c" * 128, status="approved",
                        run_id=13, url="https://t.example/pb?cid=%D1%8F&s=approved&p=12.5000", state="failed",
                        attempts=5, http_status=503, last_error="HTTP 503", created_at=WHEN,
                        next_attempt_at=WHEN + timedelta(minutes=16), sent_at=None)  # fmt: skip
    view = SavedView(
        user_id=partner_user.id,
        page="reports",
        name="Германия · mobile",
        created_at=WHEN,
        params={"period": "custom", "dates": ["2026-11-01", "2026-11-30"], "filters": {"country": "DE"}},
    )
    access = OfferAccess(offer_id=offer.id, partner_id=parent.id, status="revoked", message="Мой трафик: " + "x" * 480,
                         reason="r" * 500, requested_at=WHEN, decided_at=WHEN + timedelta(days=1),
                         decided_by_user_id=manager.id)  # fmt: skip
    note = PartnerNote(partner_id=parent.id, author_user_id=manager.id, author_username="mgr",
                       body="Звонил 12.11: **SEO** only\n" * 40, created_at=WHEN)  # fmt: skip
    session.add_all([call, view, access, note])
    session.flush()
    objs = [tier, plan, settings, manager, parent, child, partner_user, offer, link, promo, creative, payout, audit,
            news, mail, hook, call, view, access, note]  # fmt: skip
    return [(type(o), inspect(o).identity, _columns(o)) for o in objs]


def _columns(obj: object) -> dict[str, Any]:
    return {attr.key: getattr(obj, attr.key) for attr in inspect(type(obj)).column_attrs}


def _normalised(value: Any) -> Any:
    """Datetimes compared as instants: SQLite gives naive UTC back, PostgreSQL aware in the session's zone."""
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
    return value


def test_every_model_round_trips_exactly(engine: Engine) -> None:
    with session_scope(engine) as session:
        written = _sample_program(session, _big_money(engine))
    assert {model for model, _, _ in written} == {m.class_ for m in Base.registry.mappers}, "a model is not covered"
    with session_scope(engine) as session:
        for model, identity, columns in written:
            row = session.get(model, identity)
            assert row is not None, (model, identity)
            for name, value in columns.items():
                got = getattr(row, name)
                where = f"{model.__name__}{identity}.{name}"
                assert _normalised(got) == _normalised(value), f"{where}: wrote {value!r}, read {got!r}"
                if isinstance(value, Decimal):
                    assert isinstance(got, Decimal) and str(got) == str(value), f"{where} not exact: {got!r}"


def test_money_keeps_four_decimals_exactly(engine: Engine) -> None:
    widest = -_big_money(engine) - Decimal("0.0001")
    amounts = [Decimal("0.0001"), widest, Decimal("0.1") + Decimal("0.2"), Decimal("19.99") * 3]
    with session_scope(engine) as session:
        session.add(Tier(code="t", name="T"))
        session.flush()
        partner = Partner(name="P", tier_code="t")
        session.add(partner)
        session.flush()
        session.add_all(PayoutRequest(partner_id=partner.id, amount=a, currency="USD", status="paid") for a in amounts)
    with session_scope(engine) as session:
        got = list(session.scalars(select(PayoutRequest.amount).order_by(PayoutRequest.id)))
    assert [str(a) for a in got] == ["0.0001", str(widest), "0.3000", "59.9700"]


def test_datetimes_come_back_as_the_same_instant_in_utc(engine: Engine) -> None:
    local = datetime(2026, 11, 1, 15, 30, tzinfo=MOSCOW)
    with session_scope(engine) as session:
        session.add(AuditLog(ts=local, action="aware, not UTC"))
        session.add(AuditLog(ts=datetime(2026, 11, 1, 12, 30), action="naive is UTC"))
        session.add(AuditLog(action="default ts"))
    with session_scope(engine) as session:
        aware, naive, default = session.scalars(select(AuditLog.ts).order_by(AuditLog.id)).all()
    assert aware == local and aware.utcoffset() == timedelta(0), f"read {aware!r}"
    assert naive == datetime(2026, 11, 1, 12, 30, tzinfo=UTC)
    assert default.tzinfo is not None and abs(default - datetime.now(UTC)) < timedelta(minutes=5)


def test_partners_and_users_reference_each_other_with_enforced_keys(engine: Engine) -> None:
    with session_scope(engine) as session:
        session.add(Tier(code="t", name="T"))
        manager = User(username="m", email="m@x", display_name="M", password_hash="!", role="manager")
        session.add(manager)
        session.flush()
        partner = Partner(name="P", tier_code="t", manager_user_id=manager.id)
        session.add(partner)
        session.flush()
        session.add(User(username="p", email="p@x", display_name="P", password_hash="!", role="partner",
                         partner_id=partner.id))  # fmt: skip
    with session_scope(engine) as session:
        user = session.scalar(select(User).where(User.username == "p"))
        assert user.partner.name == "P"
        assert session.get(User, user.partner.manager_user_id).username == "m"
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        session.add(Partner(name="Orphan", tier_code="t", manager_user_id=999_999))
        session.flush()
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        session.add(User(username="bad", email="b@x", display_name="B", password_hash="!", role="partner",
                         partner_id=999_999))  # fmt: skip
        session.flush()


def test_check_constraints_and_unique_usernames_hold(engine: Engine) -> None:
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        session.add(User(username="x", email="x@x", display_name="X", password_hash="!", role="superuser"))
        session.flush()
    with session_scope(engine) as session:
        session.add(User(username="x", email="x@x", display_name="X", password_hash="!", role="admin"))
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        session.add(User(username="x", email="y@x", display_name="Y", password_hash="!", role="admin"))
        session.flush()


def test_login_lockout_counts_in_the_database_on_every_backend(engine: Engine) -> None:
    now = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    with session_scope(engine) as session:
        session.add(User(username="u", email="u@x", display_name="U", password_hash=hash_password("right-password-1"),
                         role="admin"))  # fmt: skip
    reasons = [authenticate(engine, "u", "wrong", now).reason for _ in range(MAX_FAILED_LOGINS)]
    assert reasons == ["invalid"] * (MAX_FAILED_LOGINS - 1) + ["locked"]
    assert authenticate(engine, "u", "right-password-1", now + LOCKOUT - timedelta(seconds=1)).reason == "locked"
    assert authenticate(engine, "u", "right-password-1", now + LOCKOUT).ok


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("postgresql+psycopg://u:s3cret@db.example:54x2/cabinet", "invalid literal for int()"),
        ("mysql://u:s3cret@127.0.0.1/cabinet", "its driver is not installed (No module named"),
    ],
)
def test_an_unusable_store_url_is_an_argument_error_without_its_password(url: str, said: str) -> None:
    """A bad port (ValueError) or a missing driver (ImportError) were tracebacks in every command; ArgumentError is
    what the commands already say in one line."""
    for attempt in (make_engine, migrate):
        with pytest.raises(ArgumentError) as caught:
            attempt(url)
        assert said in str(caught.value) and "s3cret" not in str(caught.value)
