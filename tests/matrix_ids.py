"""Resolve matrix paths that name demo objects (ids differ between databases)."""
from __future__ import annotations

from sqlalchemy import select

from erbm_portal.extensions import db


def one_id(model, **where) -> int:
    return db.session.execute(select(model.id).filter_by(**where)).scalar_one()


def resolve(path) -> str:
    return path() if callable(path) else path
