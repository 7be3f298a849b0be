"""The matchmaker command."""

from __future__ import annotations

import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.models import Role, User


def test_create_user_makes_a_verified_official(runner):
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "Can.Bo@demo.cantho.example",
            "--name",
            "Cán Bộ Sở",
            "--role",
            "official",
        ],
        input="Cai-Rang-cho-noi-2026\nCai-Rang-cho-noi-2026\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User))
    assert user.email == "can.bo@demo.cantho.example" and user.role == Role.OFFICIAL
    assert user.is_verified and user.check_password("Cai-Rang-cho-noi-2026")


def test_create_user_refuses_common_password(runner):
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "a@demo.cantho.example",
            "--name",
            "A",
            "--role",
            "admin",
        ],
        input="password1234\npassword1234\n",
    )
    assert result.exit_code != 0
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_create_user_refuses_duplicate(runner, make_user):
    existing = make_user()
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            existing.email,
            "--name",
            "A",
            "--role",
            "admin",
        ],
        input="Cai-Rang-cho-noi-2026\nCai-Rang-cho-noi-2026\n",
    )
    assert (
        result.exit_code != 0
        and db.session.scalar(sa.select(sa.func.count(User.id))) == 1
    )


def test_cli_has_the_documented_commands(app):
    commands = set(app.cli.list_commands(None))
    assert {"demo-data", "create-user"} <= commands
    from click.testing import CliRunner

    from matchmaker.cli import main

    usage = CliRunner().invoke(main, ["--help"]).output
    assert all(
        f"  {name} " in usage for name in ("run", "db", "demo-data", "create-user")
    )
