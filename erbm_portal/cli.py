"""`flask --app wsgi erbm ...` commands."""
from __future__ import annotations

import json
import sys

import click
from flask import Flask
from flask.cli import AppGroup

from .extensions import db

erbm = AppGroup("erbm", help="Commandes d'exploitation de l'intranet ERBM.")


@erbm.command("seed-demo")
@click.option("--json", "as_json", is_flag=True, help="Affiche les comptes de démonstration en JSON.")
def seed_demo_cmd(as_json: bool) -> None:
    """Crée (ou complète) les données de démonstration. Idempotent."""
    from .demo.seed import demo_accounts, seed_demo

    seed_demo()
    accounts = demo_accounts()
    if as_json:
        click.echo(json.dumps(accounts, ensure_ascii=False, indent=2))
    else:
        click.echo(f"Données de démonstration prêtes ({len(accounts)} comptes).")


@erbm.command("demo-logins")
def demo_logins_cmd() -> None:
    """Affiche les comptes de démonstration et leur mot de passe."""
    from flask import current_app

    from .demo.seed import demo_accounts

    click.echo(f"Comptes de démonstration (mot de passe : {current_app.config['DEMO_PASSWORD']}) :")
    for row in demo_accounts():
        click.echo(f"  {row['email']:<45} {row['role']:<12} {row['scope']}")


@erbm.command("seed-if-empty")
def seed_if_empty_cmd() -> None:
    """Charge la démonstration seulement si la base est vide."""
    from .demo.seed import is_empty, seed_demo

    if is_empty():
        seed_demo()
        click.echo("Base vide : données de démonstration chargées.")


@erbm.command("create-admin")
@click.option("--email", required=True)
@click.option("--name", "full_name", required=True)
@click.option("--organisation", required=True, help="Nom exact de l'organisation.")
@click.password_option("--password", prompt="Mot de passe", help="12 caractères au moins.")
def create_admin_cmd(email: str, full_name: str, organisation: str, password: str) -> None:
    """Crée un compte administrateur."""
    from sqlalchemy import select

    from .accounts import services
    from .accounts.models import Role
    from .core.errors import ServiceError
    from .directory.models import Organisation

    if len(password) < 12:
        raise click.UsageError("Le mot de passe doit comporter 12 caractères au moins.")
    org = db.session.execute(select(Organisation).filter_by(name=organisation)).scalar_one_or_none()
    if org is None:
        raise click.UsageError(f"Organisation inconnue : {organisation}")
    try:
        user = services.create_user(email=email, full_name=full_name, organisation=org, password=password)
        services.add_grant(user, role=Role.ADMIN, scope_id=None, valid_from=None, valid_to=None)
    except ServiceError as exc:
        raise click.UsageError(exc.message) from exc
    db.session.commit()
    click.echo(f"Administrateur créé : {user.email}")


@erbm.command("audit-verify")
def audit_verify_cmd() -> None:
    """Vérifie la chaîne d'empreintes du journal d'audit."""
    from .audit.models import AuditEvent
    from .audit.services import verify_chain

    problems = verify_chain()
    if problems:
        for p in problems:
            click.echo(f"ALTÉRATION : {p.message}", err=True)
        sys.exit(1)
    count = db.session.query(AuditEvent).count()
    click.echo(f"Journal d'audit intègre : {count} événements vérifiés.")


@erbm.command("backup")
@click.argument("target", type=click.Path(dir_okay=False))
def backup_cmd(target: str) -> None:
    """Écrit une sauvegarde cohérente de la base, même pendant que l'application tourne."""
    from pathlib import Path

    from .core.backup import BackupError, backup

    try:
        path = backup(Path(target))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Sauvegarde écrite : {path}")


@erbm.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Ne pas demander de confirmation.")
def restore_cmd(source: str, yes: bool) -> None:
    """Remplace le contenu de la base par une sauvegarde."""
    from pathlib import Path

    from .core.backup import BackupError, restore

    if not yes:
        click.confirm("Le contenu actuel de la base sera remplacé. Continuer ?", abort=True)
    try:
        restore(Path(source))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo("Sauvegarde restaurée.")


def register_cli(app: Flask) -> None:
    import importlib
    import importlib.util

    from .domains import DOMAINS

    # A domain's own commands live in erbm_portal/<domain>/cli.py and attach themselves to `erbm`.
    for domain in DOMAINS:
        name = f"erbm_portal.{domain}.cli"
        if importlib.util.find_spec(name):
            importlib.import_module(name)
    from .mail.cli import send_outbox_cmd  # mail worker (issue 3)
    erbm.add_command(send_outbox_cmd)
    from .synthetic import cli as _synthetic_cli  # noqa: F401  (generate-data attaches itself to `erbm`)
    app.cli.add_command(erbm)
