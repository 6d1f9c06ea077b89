"""Load-and-authorise helpers of the administration screens.

The policy (``roles(ADMIN)``) already admits only administrators, who see every
organisation, account and grant: the object-level check is existence (404).
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ..accounts.models import Grant, User
from ..extensions import db
from ..web.errors import abort_fr
from .models import Organisation


def get_organisation_or_404(org_id: int) -> Organisation:  # "organisation:admin"
    org = db.session.execute(
        select(Organisation).where(Organisation.id == org_id).options(joinedload(Organisation.spel))
    ).scalar_one_or_none()
    if org is None:
        abort_fr(404, "Cette organisation n'existe pas.")
    return org


def get_user_or_404(user_id: int) -> User:  # "user:admin"
    user = db.session.execute(
        select(User).where(User.id == user_id)
        .options(joinedload(User.organisation), selectinload(User.grants))
    ).scalar_one_or_none()
    if user is None:
        abort_fr(404, "Ce compte n'existe pas.")
    return user


def get_grant_or_404(grant_id: int) -> Grant:  # "grant:admin"
    grant = db.session.execute(
        select(Grant).where(Grant.id == grant_id).options(joinedload(Grant.user))
    ).scalar_one_or_none()
    if grant is None:
        abort_fr(404, "Ce droit n'existe pas.")
    return grant
