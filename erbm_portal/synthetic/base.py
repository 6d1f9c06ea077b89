"""Shared machinery of the generator: seeded randomness, explicit ids, bulk inserts.

Rows are built as dicts and written with SQLAlchemy Core ``insert`` in chunks
(executemany). Ids are allocated here (max(id) + 1 ...) so that related rows
can point at each other without a round trip; PostgreSQL sequences are moved
past them at the end (``fix_sequences``).
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, insert, select, text

from ..extensions import db

CHUNK = 5_000
EMAIL_DOMAIN = "erbm-synthese.fr"  # every synthetic account; marks the data as generated


@dataclass
class Ctx:
    """What every domain generator shares: the scale factor, the random source, id counters, counts."""

    scale: float
    seed: int = 2017
    today: date = field(default_factory=date.today)
    rng: random.Random = field(init=False)
    counts: dict[str, int] = field(default_factory=dict)
    _next_id: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    @property
    def extra(self) -> float:
        """Share of the 100x additions to build: 0 at scale 1, 1 at scale 100."""
        return max(0.0, (self.scale - 1) / 99)

    def n(self, at_100x: int, minimum: int = 0) -> int:
        """How many of something to add, given how many scale 100 adds."""
        return max(minimum, round(at_100x * self.extra))

    def ids(self, model, count: int) -> list[int]:
        name = model.__tablename__
        if name not in self._next_id:
            self._next_id[name] = (db.session.execute(select(func.max(model.id))).scalar() or 0) + 1
        start = self._next_id[name]
        self._next_id[name] = start + count
        return list(range(start, start + count))

    def insert(self, model, rows: list[dict]) -> None:
        """Bulk insert (executemany, in chunks); every dict must carry the same keys."""
        if not rows:
            return
        table = model.__table__
        for i in range(0, len(rows), CHUNK):
            db.session.execute(insert(table), rows[i:i + CHUNK])
        self.counts[table.name] = self.counts.get(table.name, 0) + len(rows)


def pick(rng: random.Random, items, k: int) -> list:
    """k distinct items (all of them when there are fewer), in a deterministic order."""
    items = list(items)
    return items if k >= len(items) else rng.sample(items, k)


def spread(total: int, buckets: int) -> list[int]:
    """``total`` split into ``buckets`` near-equal parts."""
    base, rest = divmod(total, buckets) if buckets else (0, 0)
    return [base + (1 if i < rest else 0) for i in range(buckets)]


def fix_sequences(models) -> None:
    """PostgreSQL: move each id sequence past the ids written explicitly."""
    if db.engine.dialect.name != "postgresql":
        return
    for model in models:
        name = model.__tablename__
        db.session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), "
            f"GREATEST((SELECT COALESCE(MAX(id), 0) FROM \"{name}\"), 1))"))
