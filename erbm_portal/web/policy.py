"""The one access policy: every endpoint of the application declares who may call it.

``who`` is checked before the view runs. ``object`` names the object-level
check that the view's load-and-authorise helper applies on top (404 when the
object is not visible, 403 when visible but not allowed); it is documentation
the policy test reads, and the helper is the enforcement.

An endpoint missing from this table makes the app refuse to start and the
policy test fail.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..accounts.models import Role

PUBLIC = "public"
USER = "user"  # any signed-in person, whatever their role


@dataclass(frozen=True)
class Rule:
    who: frozenset[str]
    object: str | None = None

    @property
    def is_public(self) -> bool:
        return PUBLIC in self.who

    def admits(self, principal) -> bool:
        if self.is_public:
            return True
        if not principal.is_authenticated:
            return False
        if USER in self.who:
            return True
        return any(principal.has(Role(r)) for r in self.who)


def public() -> Rule:
    return Rule(frozenset({PUBLIC}))


def signed_in(object: str | None = None) -> Rule:
    return Rule(frozenset({USER}), object)


def roles(*names: Role, object: str | None = None) -> Rule:
    return Rule(frozenset(r.value for r in names), object)


ADMIN, SECRETARIAT = Role.ADMIN, Role.SECRETARIAT
CO_CHAIR, MEMBER, SIGNATORY = Role.CO_CHAIR, Role.MEMBER, Role.SIGNATORY

ENDPOINTS: dict[str, Rule] = {
    # Infrastructure
    "static": public(),
    "web.healthz": public(),
    # Sign-in and own account
    "accounts.login": public(),
    "accounts.logout": signed_in(),
    "accounts.logout_everywhere": signed_in(),
    "accounts.profile": signed_in(),
    "accounts.change_password": signed_in(),
    # Home
    "home.dashboard": signed_in(),
    # Sign-off rounds (shared by action plans and the partnership agreement)
    "signoff.round_detail": signed_in(object="signoff_round:view (subject handler)"),
    "signoff.decide": roles(SIGNATORY, object="signoff_round:view + signatory of a pending party"),
    "signoff.content": signed_in(object="signoff_round:view (subject handler)"),
    "signoff.verify": signed_in(),
    # Partnership agreement (drafts never opened for signature: secretariat only, 404 for others)
    "agreement.index": signed_in(),
    "agreement.export_docx": signed_in(object="agreement_version:view"),
    "agreement.export_pdf": signed_in(object="agreement_version:view"),
    "agreement.versions": signed_in(),
    "agreement.version_detail": signed_in(object="agreement_version:view (drafts: secretariat)"),
    "agreement.amendment_detail": signed_in(object="agreement_version:view (drafts: secretariat)"),
    "agreement.compare": signed_in(object="agreement_version:view (only visible versions are offered)"),
    "agreement.file_download": signed_in(object="agreement_file:view (signed copy: its version visible)"),
    "agreement.amendment_new": roles(SECRETARIAT),
    "agreement.amendment_edit": roles(SECRETARIAT, object="agreement_version:edit (draft only)"),
    "agreement.change_add": roles(SECRETARIAT, object="agreement_version:edit (draft only)"),
    "agreement.change_delete": roles(SECRETARIAT, object="agreement_version:edit (draft only)"),
    "agreement.open_signature": roles(SECRETARIAT, object="agreement_version:edit (draft only)"),
    "agreement.annex_upload": roles(SECRETARIAT),
    "agreement.signed_copy_upload": roles(SECRETARIAT, object="agreement_version:edit (open or in force)"),
    # Word exports: the reference template (secretariat)
    "exports.template_page": roles(SECRETARIAT),
    "exports.template_reset": roles(SECRETARIAT),
    "exports.template_download": roles(SECRETARIAT),
    "exports.template_default": roles(SECRETARIAT),
    "exports.template_specimen": roles(SECRETARIAT),
    "exports.template_specimen_pdf": roles(SECRETARIAT),
    # Search: results are filtered in SQL by the committee access rules
    "search.search_page": signed_in(object="search_document:visibility_clause (search.visibility)"),
    # Notifications (each person's own) and their preferences
    "notifications.index": signed_in(),
    "notifications.mark_read": signed_in(object="notification:own (notifications.access)"),
    "notifications.mark_all_read": signed_in(),
    "notifications.preferences": signed_in(),
    # Personal calendar feed: the page is the person's own; the feed URL carries a secret token
    "feeds.calendar": signed_in(),
    "feeds.regenerate": signed_in(),
    "feeds.revoke": signed_in(),
    "feeds.ics": public(),
    # Action plans (object checks in plans/access.py: 404 when the plan is not visible)
    "plans.index": signed_in(),
    "plans.create": roles(CO_CHAIR, SECRETARIAT, object="spel:co-chair of the SPEL or secretariat (service)"),
    "plans.detail": signed_in(object="action_plan:view"),
    "plans.action_row": signed_in(object="action_plan:view"),
    "plans.export_docx": signed_in(object="action_plan:view"),
    "plans.export_pdf": signed_in(object="action_plan:view"),
    "plans.action_edit": roles(CO_CHAIR, SECRETARIAT, object="action_plan:manage + draft"),
    "plans.action_new": roles(CO_CHAIR, SECRETARIAT, object="action_plan:manage + draft"),
    "plans.action_delete": roles(CO_CHAIR, SECRETARIAT, object="action_plan:manage + draft"),
    "plans.submit": roles(CO_CHAIR, SECRETARIAT, object="action_plan:manage + draft"),
    "plans.withdraw": roles(CO_CHAIR, SECRETARIAT, object="action_plan:manage + submitted"),
    # Indicators and programme dashboard
    "indicators.dashboard": signed_in(),
    "indicators.catalogue": signed_in(),
    "indicators.detail": signed_in(),
    "indicators.indicator_new": roles(SECRETARIAT),
    "indicators.indicator_edit": roles(SECRETARIAT),
    "indicators.value_new": roles(CO_CHAIR, SECRETARIAT, object="indicator_value:level the person may enter"),
    "indicators.value_edit": roles(CO_CHAIR, SECRETARIAT, object="indicator_value:co-chair of its SPEL or secretariat"),
    "indicators.value_validate": roles(SECRETARIAT),
    "indicators.export_csv": signed_in(),
    "indicators.export_xlsx": signed_in(),
    # Audit trail
    "audit.events": roles(ADMIN, SECRETARIAT),
    "audit.export_csv": roles(ADMIN, SECRETARIAT),
    # Committees and meetings (issue 3): object checks in directory/access.py and meetings/access.py
    "meetings.committees": signed_in(),
    "meetings.committee": signed_in(object="committee:read_published"),
    "meetings.meeting_new": signed_in(object="committee:manage"),
    "meetings.meeting": signed_in(object="meeting:read"),
    "meetings.meeting_edit": signed_in(object="meeting:manage"),
    "meetings.meeting_ics": signed_in(object="meeting:read"),
    "meetings.export_pack": signed_in(object="meeting:read"),
    "meetings.export_pack_sent": signed_in(object="meeting:read"),
    "meetings.export_pack_pdf": signed_in(object="meeting:read"),
    "meetings.convene": signed_in(object="meeting:manage"),
    "meetings.mark_held": signed_in(object="meeting:manage"),
    "meetings.item_add": signed_in(object="meeting:manage"),
    "meetings.item_edit": signed_in(object="meeting:manage"),
    "meetings.item_delete": signed_in(object="meeting:manage"),
    "meetings.item_move": signed_in(object="meeting:manage"),
    "meetings.item_reorder": signed_in(object="meeting:manage"),
    "meetings.attachment_upload": signed_in(object="meeting:manage"),
    "meetings.attachment_download": signed_in(object="meeting:read"),
    "meetings.invitee_add": signed_in(object="meeting:manage"),
    "meetings.invitee_remove": signed_in(object="meeting:manage"),
    "meetings.respond": signed_in(object="meeting:invitee"),
    "meetings.attendance_set": signed_in(object="meeting:attend"),
    # Minutes, decisions and follow-up actions (object checks in minutes/access.py:
    # 404 for minutes the person may not see, 403 when seen but not allowed)
    "minutes.meeting_minutes": signed_in(object="meeting:read_published"),
    "minutes.create": signed_in(object="meeting:manage"),
    "minutes.show": signed_in(object="minutes:read"),
    "minutes.section": signed_in(object="minutes:read"),
    "minutes.edit_section": signed_in(object="minutes:manage"),
    "minutes.submit_review": signed_in(object="minutes:manage"),
    "minutes.back_to_draft": signed_in(object="minutes:manage"),
    "minutes.export_docx": signed_in(object="minutes:read"),
    "minutes.export_pdf": signed_in(object="minutes:read"),
    "minutes.approve": signed_in(object="minutes:manage"),
    "minutes.publish": signed_in(object="minutes:publish"),
    "minutes.correct": signed_in(object="minutes:manage_or_publish"),
    "minutes.compare": signed_in(object="minutes:read"),
    "minutes.add_comment": signed_in(object="minutes:comment"),
    "minutes.resolve_comment": signed_in(object="minutes:resolve"),
    "minutes.add_decision": signed_in(object="minutes:manage"),
    "minutes.add_action": signed_in(object="minutes:manage"),
    "minutes.set_action_status": signed_in(object="minutes:follow_up"),
    "minutes.register": signed_in(object="committee:read_published"),
    # Administration: organisations, accounts, grants (directory blueprint)
    "directory.organisations": roles(ADMIN),
    "directory.organisation_new": roles(ADMIN),
    "directory.organisation_edit": roles(ADMIN, object="organisation:admin"),
    "directory.organisation_row": roles(ADMIN, object="organisation:admin"),
    "directory.organisation_toggle": roles(ADMIN, object="organisation:admin"),
    "directory.users": roles(ADMIN),
    "directory.user_new": roles(ADMIN),
    "directory.user_edit": roles(ADMIN, object="user:admin"),
    "directory.user_row": roles(ADMIN, object="user:admin"),
    "directory.user_toggle": roles(ADMIN, object="user:admin"),
    "directory.user_grants": roles(ADMIN, object="user:admin"),
    "directory.grant_revoke": roles(ADMIN, object="grant:admin"),
}


def rule_for(endpoint: str | None) -> Rule | None:
    return ENDPOINTS.get(endpoint) if endpoint else None


def undeclared_endpoints(app) -> list[str]:
    return sorted({r.endpoint for r in app.url_map.iter_rules()} - set(ENDPOINTS))
