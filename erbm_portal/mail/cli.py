"""`flask --app wsgi erbm send-outbox [--loop]`: the mail worker."""
from __future__ import annotations

import time

import click


@click.command("send-outbox")
@click.option("--loop", is_flag=True, help="Continue indéfiniment (worker).")
@click.option("--interval", default=10, show_default=True, help="Secondes entre deux passages (--loop).")
def send_outbox_cmd(loop: bool, interval: int) -> None:
    """Envoie les courriels en attente de la file d'envoi."""
    from .services import send_pending

    while True:
        stats = send_pending()
        click.echo(f"Courriels : {stats['sent']} envoyé(s), {stats['retry']} à réessayer, "
                   f"{stats['failed']} en échec définitif.")
        if not loop:
            break
        time.sleep(interval)
