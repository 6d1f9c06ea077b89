"""Meeting mutations.

# --- MERGE NOTE (branch `minutes`) -------------------------------------------
# Minimal stand-in written on the minutes branch so that publishing minutes can
# close the meeting. The meetings branch owns this module: keep its
# MEETING_WORKFLOW / close_meeting and drop this block when merging (the minutes
# code only calls ``close_meeting(meeting)``).
# ------------------------------------------------------------------------------
"""
from __future__ import annotations

from ..core.workflow import Workflow
from .models import MEETING_STATE_LABELS, Meeting, MeetingState

MEETING_WORKFLOW: Workflow[MeetingState] = Workflow(
    "meeting",
    {
        MeetingState.PLANNED: frozenset({MeetingState.CONVENED}),
        MeetingState.CONVENED: frozenset({MeetingState.HELD}),
        MeetingState.HELD: frozenset({MeetingState.CLOSED}),
    },
    MEETING_STATE_LABELS,
)


def close_meeting(meeting: Meeting) -> None:
    """held -> closed, when its minutes are published (audited; refused from any other state)."""
    MEETING_WORKFLOW.move(meeting, MeetingState.CLOSED, summary=f"Réunion close : {meeting.title}")
