"""The demo's logins: an admin, two managers and four partners of the showcase tree, each with a random password
written once, in plain text, to a file only its owner reads (`data/demo_logins.json`, which `cabinet serve` prints)."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from cabinet.passwords import UNUSABLE_HASH, hash_password, random_password
from cabinet.store.models import Partner, User


def create_demo_users(
    session: Session, partner_ids: np.ndarray, logins_path: Path, created: datetime
) -> list[dict[str, str]]:
    """Demo logins with random passwords (bcrypt in the store, plain once in a 0600 file)."""
    first = int(partner_ids[0])
    partner_by_pos = {pos: int(partner_ids[pos]) for pos in (0, 1, 9, 10)}
    tiers = {p.id: p.tier_code for p in session.scalars(select(Partner).where(Partner.id.in_(partner_by_pos.values())))}
    wanted = [
        ("admin", "admin", None, "all partners"),
        ("manager1", "manager", None, "assigned partners"),
        ("manager2", "manager", None, "assigned partners"),
        ("gold_parent", "partner", first, "gold tier, parent of a 3-level sub-partner tree"),
        ("silver_sub", "partner", partner_by_pos[1], "sub-partner of gold_parent"),
        ("partner_a", "partner", partner_by_pos[9], f"{tiers.get(partner_by_pos[9])} tier"),
        ("partner_b", "partner", partner_by_pos[10], f"{tiers.get(partner_by_pos[10])} tier"),
    ]
    logins = []
    for username, role, partner_id, note in wanted:
        user = session.scalar(select(User).where(User.username == username))
        if user is not None and role == "admin":
            logins.append({"username": username, "password": "(set by cabinet init)", "role": role, "note": note})
            continue
        password = random_password()
        if user is None:
            user = User(
                username=username,
                email=f"{username}@example.com",
                display_name=username.replace("_", " ").title(),
                role=role,
                partner_id=partner_id,
                password_hash=UNUSABLE_HASH,
                created_at=created,
            )
            session.add(user)
        user.password_hash = hash_password(password)
        user.locale = "ru" if username == "partner_b" else "en"
        logins.append({"username": username, "password": password, "role": role, "note": note})
    session.flush()
    logins_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(logins_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(logins, fh, indent=2)
    os.chmod(logins_path, 0o600)
    return logins
