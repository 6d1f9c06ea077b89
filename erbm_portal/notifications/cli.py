from __future__ import annotations

import click

from ..cli import erbm


@erbm.command("send-digests")
def send_digests_cmd() -> None:
    """Envoie le récapitulatif quotidien des notifications (à lancer une fois par jour, par cron)."""
    from .services import send_digests

    try:
        count = send_digests()
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Récapitulatifs mis en file d'envoi : {count}.")
