"""State machines: one table of allowed transitions per workflow.

Services call ``workflow.move(obj, target)``: it refuses (and audits the
refusal) any transition that is not in the table, then changes the state and
audits the change. Nothing else assigns a workflow state.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Generic, Mapping, TypeVar

from ..audit.services import record, record_now
from .errors import TransitionRefused

S = TypeVar("S", bound=enum.Enum)


@dataclass(frozen=True)
class Workflow(Generic[S]):
    name: str
    transitions: Mapping[S, frozenset[S]]
    labels: Mapping[S, str]
    attr: str = "state"

    def allowed(self, current: S, target: S) -> bool:
        return target in self.transitions.get(current, frozenset())

    def targets(self, current: S) -> frozenset[S]:
        return self.transitions.get(current, frozenset())

    def require(self, obj, target: S) -> None:
        current = getattr(obj, self.attr)
        if self.allowed(current, target):
            return
        message = (f"Impossible de passer de l'état « {self.labels[current]} » "
                   f"à l'état « {self.labels[target]} ».")
        object_type, object_id = obj.__tablename__, obj.id
        record_now(f"{self.name}.transition_refused", object_type=object_type, object_id=object_id,
                   summary=message, details={"from": current.value, "to": target.value})
        raise TransitionRefused(message)

    def move(self, obj, target: S, *, summary: str = "", details: dict | None = None) -> None:
        self.require(obj, target)
        current = getattr(obj, self.attr)
        setattr(obj, self.attr, target)
        record(f"{self.name}.{target.value}", obj, summary=summary or self.labels[target],
               details={"from": current.value, "to": target.value, **(details or {})})
