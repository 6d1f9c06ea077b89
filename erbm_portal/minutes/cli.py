from __future__ import annotations

import click

from ..cli import erbm


@erbm.command("notify-overdue")
def notify_overdue_cmd() -> None:
    """Prévient une fois les responsables des actions de suivi en retard (à lancer chaque jour, par cron)."""
    from ..extensions import db
    from .services import notify_overdue_actions

    count = notify_overdue_actions()
    db.session.commit()
    click.echo(f"Actions en retard signalées : {count}.")
