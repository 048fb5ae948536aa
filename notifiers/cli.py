"""`billwatch digest` (being written: see issue 4)."""

import click


@click.command("digest")
def digest_command() -> None:
    """Build, preview and send digests."""
    raise click.ClickException("digest: not implemented yet (issue 4)")
