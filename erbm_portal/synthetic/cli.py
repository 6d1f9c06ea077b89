"""``flask --app wsgi erbm generate-data --scale N``."""
from __future__ import annotations

import time

import click

from ..cli import erbm


@erbm.command("generate-data")
@click.option("--scale", type=float, default=100, show_default=True,
              help="1 : la démonstration ; 100 : la démonstration et cent fois plus de données.")
@click.option("--seed", type=int, default=2017, show_default=True, help="Graine du générateur (déterministe).")
def generate_data_cmd(scale: float, seed: int) -> None:
    """Génère des données synthétiques pour les mesures de performance."""
    from . import AlreadyGenerated, generate

    started = time.perf_counter()
    try:
        counts = generate(scale, seed=seed, log=lambda msg: click.echo(f"  {msg}"))
    except (AlreadyGenerated, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    for table, n in sorted(counts.items()):
        click.echo(f"  {table:<24} {n:>9}")
    click.echo(f"Données à l'échelle {scale:g} prêtes en {time.perf_counter() - started:.1f} s.")
