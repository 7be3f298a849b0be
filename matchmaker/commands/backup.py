"""``matchmaker backup`` and ``matchmaker restore``: the whole platform in one archive, and back."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

RESTART = (
    "Start the web server and the workers again (e.g. systemctl restart matchmaker): "
    "they must open the restored database and files."
)


def _say(message: str) -> None:
    click.echo(f"  {message}")


@click.command("backup")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=Path("."),
    show_default=True,
    help="The archive to write, or a folder to write matchmaker-backup-<UTC time>.tar.gz into.",
)
@with_appcontext
def backup(output: Path) -> None:
    """Write the database, attachments, search index and matching model into one archive."""
    from matchmaker.services import backup as service

    target = output / service.default_archive_name() if output.is_dir() else output
    click.echo(f"Backing up into {target}")
    try:
        manifest = service.create_backup(target, progress=_say)
    except service.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Done: {manifest.summary()}.")


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--yes",
    is_flag=True,
    help="Replace the records of a database that is not empty (every record made since the backup is lost).",
)
@click.option(
    "--check",
    is_flag=True,
    help="Only check the archive (manifest, checksums, revision); change nothing.",
)
@with_appcontext
def restore(archive: Path, yes: bool, check: bool) -> None:
    """Restore an archive written by `matchmaker backup`. Stop the web server and workers first."""
    from matchmaker.services import backup as service

    try:
        if check:
            manifest = service.verify_archive(archive, progress=_say)
            click.echo(f"The archive is intact: {manifest.summary()}.")
            return
        click.echo(f"Restoring {archive}")
        result = service.restore_backup(archive, replace=yes, progress=_say)
    except service.DatabaseNotEmpty as error:
        raise click.ClickException(
            f"{error} Nothing was changed. Run again with --yes to replace them."
        ) from error
    except service.BackupError as error:
        raise click.ClickException(f"{error} Nothing was changed.") from error
    for note in result.notes:
        click.echo(note)
    click.echo("Restore complete. " + RESTART)
