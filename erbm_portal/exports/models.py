"""The reference template of the Word exports, kept in the database.

Several application instances share it. Each upload (or return to the shipped
default) adds a row; the row with the highest id is the one in force. A row
whose ``content`` is NULL stands for the template shipped in the package.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class ExportTemplate(db.Model):
    __tablename__ = "export_template"
    id: Mapped[int] = mapped_column(primary_key=True)
    content: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(200), default="")
    size: Mapped[int] = mapped_column(default=0)
    uploaded_at: Mapped[datetime]
    uploaded_by_id: Mapped[int | None]  # no FK: the history outlives accounts
    uploaded_by_email: Mapped[str] = mapped_column(String(254), default="")

    @property
    def is_default(self) -> bool:
        return self.content is None
