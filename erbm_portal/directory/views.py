"""Administration screens: organisations, user accounts and their grants.

Rows are edited in place with htmx (the row becomes a form, saving swaps the
row back); without JavaScript the same form is a full page. The fragment and
the page come from one template through ``render(template, block)``.
"""
from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from ..accounts import services as accounts
from ..accounts.models import ROLE_PRECEDENCE, ROLE_SCOPE, Grant, Role, ScopeType, User
from ..core.errors import ServiceError, StaleEdit
from ..core.forms import attach_service_error
from ..extensions import db
from ..web.htmx import render, wants_fragment
from . import services
from .admin_access import get_grant_or_404, get_organisation_or_404, get_user_or_404
from .forms import (ConfirmForm, GrantForm, OrganisationCreateForm, OrganisationEditForm, OrganisationFilterForm,
                    ToggleForm, UserCreateForm, UserEditForm, UserFilterForm, int_or_none)
from .models import PARTNER_SUBTYPES, Committee, Organisation, OrgKind, Spel

bp = Blueprint("directory", __name__, url_prefix="/admin")

USERS_PAGE_SIZE = 50
STALE_DATA = ("Quelqu'un a enregistré une modification entre-temps : vos changements n'ont pas été "
              "enregistrés. Voici la version actuelle.")
DUPLICATE = "Cette valeur est déjà utilisée par un autre enregistrement."


# --- helpers -----------------------------------------------------------------

def _actor() -> User:
    return current_user._get_current_object()


def _prefix_ids(form, prefix: str) -> None:
    """Unique element ids (several rows may be open for editing at once); names are unchanged."""
    for field in form:
        field.id = f"{prefix}-{field.id}"


def _focus_first(form, default: str) -> None:
    """Mark the first field in error (or ``default``) to receive focus after an htmx swap."""
    name = next((f.name for f in form
                 if f.errors and getattr(f.widget, "input_type", None) != "hidden"), default)
    field = getattr(form, name, None) or getattr(form, default)
    field.render_kw = {**(field.render_kw or {}), "data-erbm-focus": ""}


def _spel_choices() -> list[tuple]:
    spels = db.session.execute(select(Spel).order_by(Spel.name)).scalars().all()
    return [("", "— Aucun —")] + [(s.id, s.label) for s in spels]


def _org_choices(*, active_only: bool = False, keep_id: int | None = None) -> list[tuple]:
    q = select(Organisation.id, Organisation.name, Organisation.active).order_by(Organisation.name)
    rows = db.session.execute(q).all()
    return [(r.id, r.name if r.active else f"{r.name} (inactive)") for r in rows
            if not active_only or r.active or r.id == keep_id]


def _stale_message(exc: Exception) -> str:
    # StaleEdit: the form's version was old. StaleDataError: someone saved between our check and
    # our UPDATE (the version_id_col guard, raised at flush, possibly by a service's autoflush).
    return exc.message if isinstance(exc, StaleEdit) else STALE_DATA


def _commit_or_conflict() -> str | None:
    """Commit; a concurrent save found at flush time or a unique clash becomes a message."""
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        return "stale"
    except IntegrityError:
        db.session.rollback()
        return "duplicate"
    return None


# --- Organisations -------------------------------------------------------------

def _org_form_data(org: Organisation) -> dict:
    return {"name": org.name, "short_name": org.short_name, "kind": org.kind.value,
            "subtype": org.subtype or "", "spel_id": org.spel_id,
            "is_agreement_party": org.is_agreement_party, "version": org.version}


def _org_edit_form(org: Organisation, *, from_request: bool) -> OrganisationEditForm:
    form = (OrganisationEditForm() if from_request
            else OrganisationEditForm(formdata=None, data=_org_form_data(org)))
    form.spel_id.choices = _spel_choices()
    _prefix_ids(form, f"org{org.id}")
    return form


def _org_form_values(form) -> dict:
    spel = db.session.get(Spel, form.spel_id.data) if form.spel_id.data else None
    return {"name": form.name.data, "short_name": form.short_name.data or "", "kind": OrgKind(form.kind.data),
            "subtype": form.subtype.data or None, "spel": spel,
            "is_agreement_party": bool(form.is_agreement_party.data)}


def _org_list(form: OrganisationFilterForm) -> list[Organisation]:
    q = select(Organisation).options(joinedload(Organisation.spel))
    if form.kind.data:
        q = q.where(Organisation.kind == OrgKind(form.kind.data))
    kinds = list(OrgKind)
    orgs = db.session.execute(q).scalars().all()
    return sorted(orgs, key=lambda o: (kinds.index(o.kind), o.name.lower()))


def _org_list_page(status: int = 200, alert: str | None = None):
    form = OrganisationFilterForm(request.args, meta={"csrf": False})
    orgs = _org_list(form) if form.validate() else []
    if form.errors:
        status = 422
    return render("directory/organisations.html", "results", form=form, orgs=orgs, status=status,
                  alert=alert, subtypes=PARTNER_SUBTYPES)


def _org_row(org: Organisation, *, status: int = 200, focus: str | None = None, announce: str | None = None,
             message: str | None = None):
    return render("directory/organisations.html", "org_row", org=org, status=status, focus=focus,
                  announce=announce, row_message=message, subtypes=PARTNER_SUBTYPES)


def _org_form_page(form, org: Organisation | None, *, status: int):
    inline = org is not None and wants_fragment()
    if inline:
        _focus_first(form, "name")
    return render("directory/organisation_form.html", "row_form", form=form, org=org, inline=inline,
                  status=status)


def _org_saved(org: Organisation, message: str):
    if wants_fragment():
        return _org_row(org, focus="edit", announce=message)
    flash(message, "success")
    return redirect(url_for("directory.organisations") + f"#org-{org.id}", code=303)


@bp.route("/organisations")
def organisations():
    return _org_list_page()


@bp.route("/organisations/nouvelle", methods=["GET", "POST"])
def organisation_new():
    form = OrganisationCreateForm()
    form.spel_id.choices = _spel_choices()
    _prefix_ids(form, "org-new")
    if form.validate_on_submit():
        try:
            org = services.create_organisation(**_org_form_values(form))
        except ServiceError as exc:
            db.session.rollback()
            attach_service_error(form, exc)
        else:
            if _commit_or_conflict() is None:
                flash(f"Organisation « {org.name} » créée.", "success")
                return redirect(url_for("directory.organisations") + f"#org-{org.id}", code=303)
            form.form_errors.append(DUPLICATE)
    status = 422 if form.is_submitted() else 200
    return render("directory/organisation_form.html", form=form, org=None, inline=False, status=status)


@bp.route("/organisations/<int:org_id>/modifier", methods=["GET", "POST"])
def organisation_edit(org_id: int):
    org = get_organisation_or_404(org_id)
    if request.method == "GET":
        return _org_form_page(_org_edit_form(org, from_request=False), org, status=200)
    form = _org_edit_form(org, from_request=True)
    if not form.validate_on_submit():
        return _org_form_page(form, org, status=422)
    try:
        services.update_organisation(org, expected_version=form.version.data, **_org_form_values(form))
    except (StaleEdit, StaleDataError) as exc:
        return _org_stale(org_id, _stale_message(exc))
    except ServiceError as exc:
        db.session.rollback()
        attach_service_error(form, exc)
        return _org_form_page(form, org, status=422)
    problem = _commit_or_conflict()
    if problem == "stale":
        return _org_stale(org_id, STALE_DATA)
    if problem == "duplicate":
        form.form_errors.append(DUPLICATE)
        return _org_form_page(form, org, status=422)
    return _org_saved(org, f"Organisation « {org.name} » enregistrée.")


def _org_stale(org_id: int, message: str):
    db.session.rollback()
    current = get_organisation_or_404(org_id)
    form = _org_edit_form(current, from_request=False)
    form.form_errors.append(message)
    return _org_form_page(form, current, status=409)


@bp.route("/organisations/<int:org_id>/ligne")
def organisation_row(org_id: int):
    """The row as displayed: what "Annuler" swaps back in place of the inline form."""
    org = get_organisation_or_404(org_id)
    if not wants_fragment():
        return redirect(url_for("directory.organisations") + f"#org-{org.id}", code=303)
    return _org_row(org, focus="edit", announce="Modification annulée.")


@bp.route("/organisations/<int:org_id>/activation", methods=["POST"])
def organisation_toggle(org_id: int):
    org = get_organisation_or_404(org_id)
    form = ToggleForm()
    if not form.validate_on_submit():
        return _toggle_refused_org(org, "Demande invalide : rechargez la page.", 422)
    active = form.active.data == "1"
    try:
        services.set_organisation_active(org, active, expected_version=form.version.data)
    except (StaleEdit, StaleDataError) as exc:
        db.session.rollback()
        return _toggle_refused_org(get_organisation_or_404(org_id), _stale_message(exc), 409)
    if _commit_or_conflict() == "stale":
        return _toggle_refused_org(get_organisation_or_404(org_id), STALE_DATA, 409)
    message = f"Organisation « {org.name} » {'réactivée' if active else 'désactivée'}."
    if wants_fragment():
        return _org_row(org, focus="toggle", announce=message)
    flash(message, "success")
    return redirect(url_for("directory.organisations") + f"#org-{org.id}", code=303)


def _toggle_refused_org(org: Organisation, message: str, status: int):
    if wants_fragment():
        return _org_row(org, status=status, focus="toggle", message=message)
    return _org_list_page(status=status, alert=message)


# --- Users ---------------------------------------------------------------------

def roles_of(user: User, today: date | None = None) -> list[Role]:
    """The roles a person holds today (valid grants), in precedence order; partner by default."""
    today = today or date.today()
    held = {g.role for g in user.grants if g.is_valid_on(today)}
    found = [r for r in ROLE_PRECEDENCE if r in held]
    if not (found and found[0] == Role.OBSERVER):
        found.append(Role.PARTNER)
    return found


def _user_form_data(user: User) -> dict:
    return {"full_name": user.full_name, "email": user.email, "job_title": user.job_title,
            "organisation_id": user.organisation_id, "version": user.version}


def _user_edit_form(user: User, *, from_request: bool) -> UserEditForm:
    form = (UserEditForm() if from_request else UserEditForm(formdata=None, data=_user_form_data(user)))
    form.organisation_id.choices = _org_choices(active_only=True, keep_id=user.organisation_id)
    _prefix_ids(form, f"user{user.id}")
    return form


def _user_query(form: UserFilterForm):
    q = select(User).options(joinedload(User.organisation), selectinload(User.grants))
    if form.organisation.data:
        q = q.where(User.organisation_id == form.organisation.data)
    text = (form.q.data or "").strip().lower()
    if text:
        q = q.where(or_(func.lower(User.full_name).contains(text, autoescape=True),
                        func.lower(User.email).contains(text, autoescape=True)))
    return q.order_by(func.lower(User.full_name), User.id)


def _user_list_page(status: int = 200, alert: str | None = None):
    form = UserFilterForm(request.args, meta={"csrf": False})
    form.organisation.choices = [("", "Toutes")] + _org_choices()
    page = max(request.args.get("page", 1, type=int), 1)
    users, has_next = [], False
    if form.validate():
        users = db.session.execute(
            _user_query(form).limit(USERS_PAGE_SIZE + 1).offset((page - 1) * USERS_PAGE_SIZE)
        ).unique().scalars().all()
        has_next = len(users) > USERS_PAGE_SIZE
        users = users[:USERS_PAGE_SIZE]
    if form.errors:
        status = 422
    return render("directory/users.html", "results", form=form, users=users, page=page, has_next=has_next,
                  status=status, alert=alert, roles_of=roles_of)


def _user_row(user: User, *, status: int = 200, focus: str | None = None, announce: str | None = None,
              message: str | None = None):
    return render("directory/users.html", "user_row", user=user, status=status, focus=focus, announce=announce,
                  row_message=message, roles_of=roles_of)


def _user_form_page(form, user: User | None, *, status: int):
    inline = user is not None and wants_fragment()
    if inline:
        _focus_first(form, "full_name")
    return render("directory/user_form.html", "row_form", form=form, user=user, inline=inline, status=status)


def _user_values(form) -> dict:
    return {"email": form.email.data, "full_name": form.full_name.data, "job_title": form.job_title.data or "",
            "organisation": db.session.get(Organisation, form.organisation_id.data)}


@bp.route("/utilisateurs")
def users():
    return _user_list_page()


@bp.route("/utilisateurs/nouveau", methods=["GET", "POST"])
def user_new():
    form = UserCreateForm()
    form.organisation_id.choices = _org_choices(active_only=True)
    _prefix_ids(form, "user-new")
    if form.validate_on_submit():
        try:
            user = accounts.create_user(password=form.password.data, **_user_values(form))
        except ServiceError as exc:
            db.session.rollback()
            attach_service_error(form, exc)
        else:
            if _commit_or_conflict() is None:
                flash(f"Compte de {user.full_name} créé. Attribuez-lui ses droits ci-dessous.", "success")
                return redirect(url_for("directory.user_grants", user_id=user.id), code=303)
            form.form_errors.append(DUPLICATE)
    status = 422 if form.is_submitted() else 200
    return render("directory/user_form.html", form=form, user=None, inline=False, status=status)


@bp.route("/utilisateurs/<int:user_id>/modifier", methods=["GET", "POST"])
def user_edit(user_id: int):
    user = get_user_or_404(user_id)
    if request.method == "GET":
        return _user_form_page(_user_edit_form(user, from_request=False), user, status=200)
    form = _user_edit_form(user, from_request=True)
    if not form.validate_on_submit():
        return _user_form_page(form, user, status=422)
    try:
        accounts.update_user(user, expected_version=form.version.data, **_user_values(form))
    except (StaleEdit, StaleDataError) as exc:
        return _user_stale(user_id, _stale_message(exc))
    except ServiceError as exc:
        db.session.rollback()
        attach_service_error(form, exc)
        return _user_form_page(form, user, status=422)
    problem = _commit_or_conflict()
    if problem == "stale":
        return _user_stale(user_id, STALE_DATA)
    if problem == "duplicate":
        form.form_errors.append(DUPLICATE)
        return _user_form_page(form, user, status=422)
    message = f"Compte de {user.full_name} enregistré."
    if wants_fragment():
        return _user_row(user, focus="edit", announce=message)
    flash(message, "success")
    return redirect(url_for("directory.users") + f"#user-{user.id}", code=303)


def _user_stale(user_id: int, message: str):
    db.session.rollback()
    current = get_user_or_404(user_id)
    form = _user_edit_form(current, from_request=False)
    form.form_errors.append(message)
    return _user_form_page(form, current, status=409)


@bp.route("/utilisateurs/<int:user_id>/ligne")
def user_row(user_id: int):
    user = get_user_or_404(user_id)
    if not wants_fragment():
        return redirect(url_for("directory.users") + f"#user-{user.id}", code=303)
    return _user_row(user, focus="edit", announce="Modification annulée.")


@bp.route("/utilisateurs/<int:user_id>/activation", methods=["POST"])
def user_toggle(user_id: int):
    user = get_user_or_404(user_id)
    form = ToggleForm()
    if not form.validate_on_submit():
        return _toggle_refused_user(user, "Demande invalide : rechargez la page.", 422)
    active = form.active.data == "1"
    try:
        accounts.set_user_active(user, active, expected_version=form.version.data, actor=_actor())
    except (StaleEdit, StaleDataError) as exc:
        db.session.rollback()
        return _toggle_refused_user(get_user_or_404(user_id), _stale_message(exc), 409)
    except ServiceError as exc:
        db.session.rollback()
        return _toggle_refused_user(get_user_or_404(user_id), exc.message, 422)
    if _commit_or_conflict() == "stale":
        return _toggle_refused_user(get_user_or_404(user_id), STALE_DATA, 409)
    message = (f"Compte de {user.full_name} réactivé." if active
               else f"Compte de {user.full_name} désactivé ; ses sessions ont été fermées.")
    if wants_fragment():
        return _user_row(user, focus="toggle", announce=message)
    flash(message, "success")
    return redirect(url_for("directory.users") + f"#user-{user.id}", code=303)


def _toggle_refused_user(user: User, message: str, status: int):
    if wants_fragment():
        return _user_row(user, status=status, focus="toggle", message=message)
    return _user_list_page(status=status, alert=message)


# --- Grants --------------------------------------------------------------------

SCOPE_NOUNS = {
    ScopeType.SPEL: "un SPEL",
    ScopeType.COMMITTEE: "un comité",
    ScopeType.ORGANISATION: "l'organisation de la personne",
}
NO_SCOPE_LABEL = "Aucun (plateforme ou programme)"


def _scope_choices(user: User, role: Role | None, spels, committees):
    spel_opts = [(f"spel:{s.id}", s.label) for s in spels]
    committee_opts = [(f"committee:{c.id}", c.name) for c in committees]
    org_opts = [(f"organisation:{user.organisation_id}", user.organisation.name)]
    if role is None:
        return {"Sans périmètre": [("", NO_SCOPE_LABEL)], "SPEL (co-présidence)": spel_opts,
                "Comités (membres)": committee_opts, "Organisation (signature)": org_opts}
    return {
        ScopeType.SPEL: spel_opts,
        ScopeType.COMMITTEE: committee_opts,
        ScopeType.ORGANISATION: org_opts,
    }.get(ROLE_SCOPE[role], [("", NO_SCOPE_LABEL)])


def _role_or_none(value) -> Role | None:
    try:
        role = Role(value)
    except ValueError:
        return None
    return role if role != Role.PARTNER else None


def _scope_id_for(role: Role, scope: str | None) -> int | None:
    scope_type = ROLE_SCOPE[role]
    kind, _, raw = (scope or "").partition(":")
    if scope_type in (ScopeType.PLATFORM, ScopeType.PROGRAMME):
        if kind:
            raise ServiceError("Ce rôle ne prend pas de périmètre : choisissez « aucun ».", field="scope")
        return None
    if not kind:
        raise ServiceError("Choisissez le périmètre de ce rôle.", field="scope")
    if kind != scope_type.value:
        raise ServiceError(f"Ce rôle s'exerce sur {SCOPE_NOUNS[scope_type]} : choisissez un périmètre de ce type.",
                           field="scope")
    scope_id = int_or_none(raw)
    if scope_id is None:
        raise ServiceError("Périmètre inconnu.", field="scope")
    return scope_id


def _grants_page(user: User, form: GrantForm, *, block: str | None, status: int = 200,
                 announce: str | None = None, alert: str | None = None, focus_heading: bool = False):
    spels = db.session.execute(select(Spel).order_by(Spel.name)).scalars().all()
    committees = db.session.execute(select(Committee).order_by(Committee.kind, Committee.name)).scalars().all()
    form.scope.choices = _scope_choices(user, _role_or_none(form.role.data), spels, committees)
    org_ids = {g.scope_id for g in user.grants if g.scope_type == ScopeType.ORGANISATION}
    orgs = dict(db.session.execute(
        select(Organisation.id, Organisation.name).where(Organisation.id.in_(sorted(org_ids)))).all())
    names = {
        ScopeType.SPEL: {s.id: s.label for s in spels},
        ScopeType.COMMITTEE: {c.id: c.name for c in committees},
        ScopeType.ORGANISATION: orgs,
    }

    def scope_label(grant: Grant) -> str:
        if grant.scope_type == ScopeType.PLATFORM:
            return "Plateforme"
        if grant.scope_type == ScopeType.PROGRAMME:
            return "Programme"
        return names[grant.scope_type].get(grant.scope_id, f"(périmètre supprimé n° {grant.scope_id})")

    return render("directory/user_grants.html", block, user=user, form=form, status=status,
                  scope_label=scope_label, today=date.today(), announce=announce, alert=alert,
                  focus_heading=focus_heading)


@bp.route("/utilisateurs/<int:user_id>/droits", methods=["GET", "POST"])
def user_grants(user_id: int):
    user = get_user_or_404(user_id)
    if request.method == "GET":
        # htmx asks for the form alone when the role changes: the scope list follows the role.
        if "role" in request.args:
            form = GrantForm(formdata=request.args)
            _prefix_ids(form, "grant")
            form.role.render_kw = {"data-erbm-focus": ""}
            return _grants_page(user, form, block="grant_form")
        form = GrantForm(formdata=None)
        _prefix_ids(form, "grant")
        return _grants_page(user, form, block="grants_panel")
    form = GrantForm()
    _prefix_ids(form, "grant")
    if form.validate_on_submit():
        role = Role(form.role.data)
        try:
            grant = accounts.add_grant(
                user, role=role, scope_id=_scope_id_for(role, form.scope.data),
                valid_from=form.valid_from.data, valid_to=form.valid_to.data,
                is_deputy=bool(form.is_deputy.data), note=form.note.data or "")
        except ServiceError as exc:
            db.session.rollback()
            attach_service_error(form, exc)
        else:
            db.session.commit()
            message = f"Droit ajouté : {grant.role.label}."
            if wants_fragment():
                user = get_user_or_404(user_id)
                fresh = GrantForm(formdata=None)
                _prefix_ids(fresh, "grant")
                return _grants_page(user, fresh, block="grants_panel", announce=message, focus_heading=True)
            flash(message, "success")
            return redirect(url_for("directory.user_grants", user_id=user.id), code=303)
    if wants_fragment():
        _focus_first(form, "role")
    user = get_user_or_404(user_id)
    return _grants_page(user, form, block="grants_panel", status=422)


@bp.route("/droits/<int:grant_id>/revoquer", methods=["POST"])
def grant_revoke(grant_id: int):
    grant = get_grant_or_404(grant_id)
    user_id, label = grant.user_id, grant.role.label
    try:
        if not ConfirmForm().validate_on_submit():
            raise ServiceError("Demande invalide : rechargez la page.")
        accounts.revoke_grant(grant, actor=_actor())
    except ServiceError as exc:
        db.session.rollback()
        empty = GrantForm(formdata=None)
        _prefix_ids(empty, "grant")
        return _grants_page(get_user_or_404(user_id), empty, block="grants_panel", status=422, alert=exc.message)
    db.session.commit()
    message = f"Droit retiré : {label}."
    if wants_fragment():
        fresh = GrantForm(formdata=None)
        _prefix_ids(fresh, "grant")
        return _grants_page(get_user_or_404(user_id), fresh, block="grants_panel", announce=message,
                            focus_heading=True)
    flash(message, "success")
    return redirect(url_for("directory.user_grants", user_id=user_id), code=303)
