"""A tiny program loaded through the real ETL, with one user per role, for query, page and CLI tests."""

from __future__ import annotations

import inspect
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from cabinet.access import build_session_user
from cabinet.config import Settings
from cabinet.passwords import hash_password
from cabinet.session import SessionUser
from cabinet.store.db import make_engine, migrate, session_scope
from cabinet.store.models import CommissionPlan, Partner, User
from tests.conftest import install_env
from tests.etl_ingest.conftest import NOW, Tiny, build_tiny

PASSWORD = "reporting-password-1"
CLICKS = """click_id,ts,link_token,partner_id,offer_id,country,device,ip,user_agent
k1,2026-11-01T10:00:00Z,{token},,,DE,mobile,10.0.0.1,Mozilla/5.0 A
k2,2026-11-01T23:30:00Z,{token},,,DE,desktop,10.0.0.2,Mozilla/5.0 B
k3,2026-11-02T12:00:00Z,,{child},{other},GB,mobile,10.0.0.3,Mozilla/5.0 C
kb,2026-11-01T12:00:00Z,{token},,,US,desktop,10.0.0.4,Googlebot/2.1
kx,2026-11-01T12:00:00Z,,{outsider},{offer},FR,mobile,10.0.0.5,Mozilla/5.0 X
"""
CONVERSIONS = """conversion_id,ts,type,click_id,amount,currency,status,customer_id
r1,2026-11-01T10:30:00Z,registration,k1,,,approved,u1
f1,2026-11-01T11:00:00Z,ftd,k1,50,EUR,approved,u1
d1,2026-11-01T12:00:00Z,deposit,k1,20,EUR,approved,u1
r2,2026-11-02T12:30:00Z,registration,k3,,,pending,u2
"""


@dataclass(frozen=True)
class Program:
    """The loaded tiny program and its users' SessionUsers."""

    tiny: Tiny
    outsider: int
    users: dict[str, SessionUser]


@dataclass(frozen=True)
class _Template:
    """The loaded program's data directory, built once per test process, and what `program` hands out from it."""

    data_dir: Path
    ids: tuple[int, int, int, int, int, str]  # Tiny's parent, child, offer, other_offer, link, token
    outsider: int
    users: dict[str, SessionUser]


@pytest.fixture(scope="session")
def _program_template(tmp_path_factory: pytest.TempPathFactory) -> _Template:
    """Build the program once per process (store migrations, five bcrypt hashes and an ETL run: ~3 s); each test gets
    a copy of its data directory, so tests that change the store or run the ETL again stay apart."""
    settings = Settings.from_env(env=install_env(tmp_path_factory.mktemp("program_template")))
    migrate(settings.store_url)
    engine = make_engine(settings.store_url)
    try:
        tiny = build_tiny(settings, engine)
        outsider = _load_program(tiny, engine)
        users = {u: build_session_user(engine, u) for u in ("p_parent", "p_child", "p_bronze", "mgr", "root")}
    finally:
        engine.dispose()
    ids = (tiny.parent, tiny.child, tiny.offer, tiny.other_offer, tiny.link, tiny.token)
    return _Template(settings.data_dir, ids, outsider, users)  # type: ignore[arg-type]


@pytest.fixture
def store_engine(settings: Settings, migrated_store_file: Path, request: pytest.FixtureRequest) -> Iterator[Engine]:
    """The migrated store of the test; for tests that use `program`, a copy of the loaded program's data directory
    (store and warehouse) is put in place first."""
    if "program" in request.fixturenames:
        template: _Template = request.getfixturevalue("_program_template")
        shutil.copytree(template.data_dir, settings.data_dir, dirs_exist_ok=True)
    else:
        shutil.copyfile(migrated_store_file, settings.data_dir / "cabinet.db")
    engine = make_engine(settings.store_url)
    yield engine
    engine.dispose()


@pytest.fixture
def program(
    settings: Settings, store_engine: Engine, _program_template: _Template, monkeypatch: pytest.MonkeyPatch
) -> Program:
    """Parent (gold) with a child (silver), an unrelated bronze partner; EUR FX; loaded by one ETL run at `NOW`.

    The pages' clock is `NOW` too, so their default periods ("Last 30 days") hold the program's events on whatever
    date the suite runs."""
    from cabinet import formatting

    real_today = formatting.today_in

    def today_at_now(tz: str, now: datetime | None = None) -> date:
        return real_today(tz, now or NOW.replace(tzinfo=UTC))

    monkeypatch.setattr(formatting, "today_in", today_at_now)
    tiny = Tiny(settings, *_program_template.ids)
    return Program(tiny, _program_template.outsider, dict(_program_template.users))


# What each `loaded_once` fixture built in this test process: a copy of the data directory it left, the program it
# built on and what it returned
_BUILT: dict[str, tuple[Path, Program, Any]] = {}


def _swapped(value: Any, old: Program, new: Program) -> Any:
    """`value` with the program `old` (top level, or in a tuple) replaced by `new`."""
    if value is old:
        return new
    if isinstance(value, tuple):
        return tuple(_swapped(v, old, new) for v in value)
    return value


def loaded_once(build: Callable[..., Any]) -> Any:
    """A fixture of the loaded program that `build(program[, store_engine])` changes (inbox files, store rows, ETL
    runs), built once per test process: the first test runs `build` and a copy of its data directory is kept; the next
    ones get a copy of that (~0.1 s, where the runs took ~0.7-2 s each) and what `build` returned, with their own
    program in place of the first one's. What `build` returns must hold nothing else of the first test's (ids,
    names, the program itself, a tuple of those). Not for tests of the inbox's state: a copied file has a new change
    time, so the Data loads page lists it as waiting for the next run until one reads it (`cabinet.inbox_state`)."""
    takes_engine = "store_engine" in inspect.signature(build).parameters

    def fixture(program: Program, store_engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Any:
        key = f"{build.__module__}.{build.__qualname__}"
        data_dir = program.tiny.settings.data_dir
        if key not in _BUILT:
            value = build(program, store_engine) if takes_engine else build(program)
            kept = tmp_path_factory.mktemp(f"built_{build.__name__}") / "data"
            shutil.copytree(data_dir, kept)
            _BUILT[key] = (kept, program, value)
            return value
        kept, first, value = _BUILT[key]
        store_engine.dispose()  # its pooled connections hold the store file about to be replaced
        shutil.rmtree(data_dir)
        shutil.copytree(kept, data_dir)
        return _swapped(value, first, program)

    fixture.__doc__ = build.__doc__
    return pytest.fixture(name=build.__name__)(fixture)


def _load_program(tiny: Tiny, store_engine: Engine) -> int:
    """Add the users, the bronze outsider and the inbox to the tiny program, run the ETL; the outsider's id."""
    with session_scope(store_engine) as s:
        bronze = Partner(name="Bronze Outsider", tier_code="bronze")
        s.add(bronze)
        manager = User(
            username="mgr",
            email="m@example.com",
            display_name="Manager",
            role="manager",
            password_hash=hash_password(PASSWORD),
        )
        s.add(manager)
        s.flush()
        s.scalar(select(Partner).where(Partner.id == tiny.parent)).manager_user_id = manager.id
        for name, role, pid in (
            ("p_parent", "partner", tiny.parent),
            ("p_child", "partner", tiny.child),
            ("p_bronze", "partner", bronze.id),
            ("root", "admin", None),
        ):
            s.add(
                User(
                    username=name,
                    email=f"{name}@example.com",
                    display_name=name,
                    role=role,
                    partner_id=pid,
                    password_hash=hash_password(PASSWORD),
                )
            )
        outsider = bronze.id
    tiny.write("fx_rates", "fx.csv", "date,currency,rate\n2026-11-01,EUR,1.10\n")
    tiny.write(
        "clicks",
        "c.csv",
        CLICKS.format(token=tiny.token, child=tiny.child, other=tiny.other_offer, outsider=outsider, offer=tiny.offer),
    )
    tiny.write("conversions", "v.csv", CONVERSIONS)
    tiny.run()
    return outsider


def silver_parent_of_a_grandchild(store_engine: Engine, tiny: Tiny) -> int:
    """Make the parent silver (its tier shows one level of sub-partners), the plan pay 10% and 5% over two levels, and
    add a grandchild under the child; its id. The parent's override from the grandchild is a hidden source's."""
    with session_scope(store_engine) as s:
        plan = s.scalar(select(CommissionPlan))
        plan.subpartner_override_pct = ["10", "5"]
        s.get(Partner, tiny.parent).tier_code = "silver"  # type: ignore[union-attr]
        grandchild = Partner(name="Grandchild", tier_code="bronze", plan_id=plan.id, parent_id=tiny.child)
        s.add(grandchild)
        s.flush()
        return grandchild.id


def grandchild_with_an_ftd(store_engine: Engine, tiny: Tiny) -> int:
    """`silver_parent_of_a_grandchild`, and the grandchild's click gk1 (FR, on the offer the parent never promotes)
    and its approved FTD g1 of $50, to be loaded by the caller's run; the grandchild's id."""
    gc = silver_parent_of_a_grandchild(store_engine, tiny)
    tiny.write("clicks", "g.csv", "click_id,ts,link_token,partner_id,offer_id,country,device,ip,user_agent\n"
               f"gk1,2026-11-05T09:00:00Z,,{gc},{tiny.other_offer},FR,desktop,10.0.1.1,Mozilla/5.0 G\n")  # fmt: skip
    tiny.write("conversions", "g.csv", "conversion_id,ts,type,click_id,amount,currency,status\n"
               "g1,2026-11-05T10:00:00Z,ftd,gk1,50,USD,approved\n")  # fmt: skip
    return gc
