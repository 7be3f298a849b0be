"""``matchmaker search ...``: the search index's commands."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

group = click.Group("search", help="The search index: rebuild it from the database.")


@group.command("rebuild")
@with_appcontext
def rebuild() -> None:
    """Rebuild the index from the database; searches use the old index until the new one is ready."""
    from matchmaker.services.search import index as search

    with click.progressbar(
        length=search.count_documents(), label="Indexing public records"
    ) as bar:
        count = search.rebuild(progress=bar.update)
    click.echo(f"Indexed {count} documents into {search.index_path()}.")


@group.command("check")
@with_appcontext
def check() -> None:
    """Tell whether the index can be read and how many updates wait for a retry."""
    from matchmaker.services.search import index as search

    health = search.health()
    waiting = search.pending_retries()
    if not health.ok:
        raise click.ClickException(
            f"The search index is not usable ({health.reason}); run `matchmaker search rebuild`."
        )
    click.echo(
        f"The search index is healthy: {health.doc_count} documents, {waiting} updates waiting for a retry."
    )


@group.command("retry")
@with_appcontext
def retry() -> None:
    """Apply the index updates that failed earlier (run it from cron, or after an outage)."""
    from matchmaker.services.search import index as search

    done = 0
    while batch := search.retry_pending():
        done += batch
    waiting = search.pending_retries()
    click.echo(f"{done} updates applied, {waiting} still waiting.")
    if waiting:
        raise click.ClickException("Some updates still fail; see the log.")
