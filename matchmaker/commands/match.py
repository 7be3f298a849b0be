"""``matchmaker match ...``: the matching model's commands."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

group = click.Group("match", help="The matching model: rebuild it from the database.")


@group.command("rebuild")
@with_appcontext
def rebuild() -> None:
    """Refit the matching model from the database and replace the saved one (running workers reload it)."""
    from matchmaker.services.matching import matches as matching

    with click.progressbar(length=1, label="Fitting the matching model") as bar:

        def progress(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - bar.pos)

        summary = matching.refit(progress)
    click.echo(", ".join(f"{name}: {count}" for name, count in summary.items()))
