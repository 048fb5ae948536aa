"""`billwatch rules ...` commands (being written: see issue 3)."""

import click


@click.group("rules")
def rules_group() -> None:
    """Check and back-test watch rules."""
