"""The ``matchmaker`` command: a Flask CLI group (``flask --app matchmaker`` works too)."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext

from matchmaker.models import Role


def register_cli(app: Flask) -> None:
    """Add the project's commands to ``app.cli`` (``db`` comes from Flask-Migrate, ``run`` from Flask)."""
    from matchmaker.commands import backup, match, opendata, search

    app.cli.add_command(demo_data)
    app.cli.add_command(create_user)
    app.cli.add_command(worker)
    app.cli.add_command(match.group)
    app.cli.add_command(search.group)
    app.cli.add_command(opendata.group)
    app.cli.add_command(backup.backup)
    app.cli.add_command(backup.restore)


@click.command("demo-data")
@click.option(
    "--if-empty",
    is_flag=True,
    help="Load only into a database that has no accounts yet.",
)
@with_appcontext
def demo_data(if_empty: bool) -> None:
    """Load the Cần Thơ demo dataset (idempotent: running it twice changes nothing)."""
    from matchmaker.demo import loader as demo

    if if_empty and not demo.database_is_empty():
        click.echo("The database already has data; demo data not loaded.")
        return
    with click.progressbar(length=demo.total_steps(), label="Loading demo data") as bar:
        summary = demo.load_demo_data(progress=bar.update)
    click.echo(", ".join(f"{name}: {count}" for name, count in summary.items()))


@click.command("create-user")
@click.option("--email", prompt=True, help="The person's e-mail address.")
@click.option("--name", "full_name", prompt="Full name", help="The person's full name.")
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role]),
    default=Role.OFFICIAL.value,
    show_default=True,
)
@click.password_option(help="The password (at least 10 characters, not a common one).")
@with_appcontext
def create_user(email: str, full_name: str, role: str, password: str) -> None:
    """Create an account of any role (officials and administrators are created this way or by an admin)."""
    from matchmaker.services.accounts import users
    from matchmaker.services.errors import ServiceError

    try:
        user = users.create_user(email, full_name, Role(role), password=password)
    except ServiceError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"Created {user.role.value} {user.email}")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop once the queue is empty.")
@with_appcontext
def worker(burst: bool) -> None:
    """Run the background jobs queued on Redis (REDIS_URL): mail, search index updates, refits."""
    from matchmaker.services import jobs

    if not jobs.configured():
        raise click.ClickException(
            "REDIS_URL is not set: background jobs run inside the web process."
        )
    jobs.run_worker(burst=burst)


def _app_factory() -> Flask:
    from matchmaker import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_app_factory)
def main() -> None:
    """Manage the matchmaker platform."""
