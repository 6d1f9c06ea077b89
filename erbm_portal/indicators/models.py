"""Indicator catalogue and values (per SPEL, per action, or programme-wide) by year."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import utcnow
from ..directory.models import Organisation, Spel
from ..extensions import db


class Indicator(db.Model):
    __tablename__ = "indicator"
    __table_args__ = (
        CheckConstraint("start_year >= 2017 AND end_year <= 2027 AND start_year <= end_year",
                        name="ck_indicator_period"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    unit: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text, default="")
    programme_target: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    start_year: Mapped[int] = mapped_column(default=2017)
    end_year: Mapped[int] = mapped_column(default=2027)
    # Additive: SPEL values add up to the programme's (hours, dwellings); an index does not.
    additive: Mapped[bool] = mapped_column(default=True)
    # Optional reference figure the programme compares with (e.g. the initial target of 360 000 hours).
    baseline: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    baseline_label: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    version: Mapped[int] = mapped_column(default=1)

    values: Mapped[list["IndicatorValue"]] = relationship(back_populates="indicator", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}

    @property
    def period_label(self) -> str:
        return str(self.start_year) if self.start_year == self.end_year else f"{self.start_year}-{self.end_year}"


class IndicatorValue(db.Model):
    """Target and actual of an indicator for one year, for an action, a SPEL, or the programme.

    Level: ``action_id`` set -> an action's value (its ``spel_id`` is the plan's SPEL);
    ``spel_id`` only -> the SPEL's value (rolled up to the programme); neither -> a
    programme-wide value (for indicators that are not additive).
    """

    __tablename__ = "indicator_value"
    __table_args__ = (
        CheckConstraint("year >= 2017 AND year <= 2027", name="ck_indicator_value_year"),
        # The figures' date (latest year with an actual, on every dashboard): an index lookup, not a scan.
        Index("ix_indicator_value_year_actual", "year", sqlite_where=text("actual IS NOT NULL"),
              postgresql_where=text("actual IS NOT NULL")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicator.id", ondelete="CASCADE"), index=True)
    spel_id: Mapped[int | None] = mapped_column(ForeignKey("spel.id"), index=True)
    action_id: Mapped[int | None] = mapped_column(ForeignKey("plan_action.id", ondelete="CASCADE"), index=True)
    year: Mapped[int]
    target: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    actual: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    source: Mapped[str] = mapped_column(String(300), default="")
    entered_by_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    entered_at: Mapped[datetime] = mapped_column(default=utcnow)
    validated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    validated_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    indicator: Mapped[Indicator] = relationship(back_populates="values")
    spel: Mapped[Spel | None] = relationship()
    entered_by: Mapped[Organisation] = relationship()
    validated_by = relationship("User")

    __mapper_args__ = {"version_id_col": version}

    @property
    def level(self) -> str:
        if self.action_id:
            return "action"
        return "spel" if self.spel_id else "programme"
