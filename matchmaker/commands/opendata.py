"""``matchmaker opendata ...``: the open data downloads."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

group = click.Group(
    "opendata", help="Open data: the download files of the public datasets."
)


@group.command("rebuild")
@with_appcontext
def rebuild() -> None:
    """Make every dataset's CSV, JSON and XLSX files again (they are also remade on request when data changes)."""
    from matchmaker.services import opendata
    from matchmaker.services.opendata import files

    with click.progressbar(
        length=len(opendata.DATASETS), label="Writing open data files"
    ) as bar:
        made = opendata.rebuild_downloads(progress=bar.update)
    for built in made:
        click.echo(f"{built.key}: {built.rows} rows")
    click.echo(f"Files in {files.folder()}.")
