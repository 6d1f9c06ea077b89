"""The search index: one row per searchable document, with its visibility.

The full-text part is raw DDL (``ddl.py``): an FTS5 table kept in sync by
triggers on SQLite, a generated ``tsvector`` column with a GIN index on
PostgreSQL. Neither appears in the model; alembic ignores them
(``ddl.include_name``).
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import utcnow
from ..extensions import db


class Audience(str, enum.Enum):
    """Who may find a document; combined with its committee (see ``visibility.py``).

    - published: whoever reads the committee's published material (no committee:
      every signed-in person);
    - circulated: the committee's members, its managers and the secretariat
      (drafts circulated to members, minutes in review);
    - draft: the committee's managers (co-chairs of its SPEL; the secretariat
      for the COPIL) and the secretariat (no committee: the secretariat only);
    - organisation: the staff of ``organisation_id``, plus those who read the
      committee's drafts (e.g. a follow-up action assigned to an organisation).
    """

    PUBLISHED = "published"
    CIRCULATED = "circulated"
    DRAFT = "draft"
    ORGANISATION = "organisation"


class SearchDocument(db.Model):
    __tablename__ = "search_document"
    __table_args__ = (
        UniqueConstraint("doc_type", "doc_id"),
        Index("ix_search_document_committee_audience", "committee_id", "audience"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    doc_type: Mapped[str] = mapped_column(String(40))
    doc_id: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(String(500))
    committee_id: Mapped[int | None] = mapped_column(ForeignKey("committee.id", ondelete="CASCADE"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"),
                                                        index=True)
    audience: Mapped[Audience] = mapped_column(db.Enum(Audience, native_enum=False, length=20))
    # "meeting:12" for an agenda item or an attachment: removed with its parent.
    parent_key: Mapped[str | None] = mapped_column(String(60), index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
