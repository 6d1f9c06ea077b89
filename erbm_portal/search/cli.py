from __future__ import annotations

import click

from ..cli import erbm
from ..extensions import db


@erbm.command("search-reindex")
def search_reindex_cmd() -> None:
    """Reconstruit l'index de recherche à partir des documents de chaque domaine."""
    from .services import reindex_all

    count = reindex_all()
    db.session.commit()
    click.echo(f"Index de recherche reconstruit : {count} documents.")
