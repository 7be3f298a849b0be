"""The portable write lock is the only way services lock rows, so invariants hold on SQLite too."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from matchmaker.extensions import db
from matchmaker.models import Role, User
from matchmaker.services import locking

PACKAGE = Path(__file__).resolve().parents[2] / "matchmaker"
# FOR UPDATE is silently ignored by SQLite, the embedded default: an invariant guarded by it holds on
# PostgreSQL only. Every lock goes through services/locking.py, which takes SQLite's write lock too.
ROW_LOCKS = re.compile(r"with_for_update|FOR UPDATE|BEGIN IMMEDIATE", re.IGNORECASE)


def test_no_service_locks_rows_but_through_the_locking_module():
    offenders = [
        f"{path.relative_to(PACKAGE)}:{number}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != "locking.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if ROW_LOCKS.search(line)
    ]
    assert offenders == []


@pytest.mark.parallel
def test_a_lock_makes_a_second_writer_wait_for_the_first(app, make_user, in_parallel):
    # Each call reads a counter, waits, and writes it back plus one: without the lock they all read 0.
    user = make_user(Role.RESEARCHER, full_name="0")
    user_id = user.id

    def increment() -> None:
        with app.app_context():
            locking.lock_row(User, user_id)
            count = int(db.session.get(User, user_id).full_name)
            time.sleep(0.02)  # long enough for every other call to read the same count
            db.session.get(User, user_id).full_name = str(count + 1)
            db.session.commit()

    in_parallel([increment] * 6)
    assert db.session.get(User, user_id).full_name == "6"
