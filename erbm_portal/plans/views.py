"""Action plan pages: list, plan with its actions edited in place, submission for sign-off."""
from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from ..audit.services import record_now
from ..core.errors import ServiceError, StaleEdit
from ..core.forms import attach_service_error
from ..core.svgchart import format_number_fr
from ..directory.models import Organisation, Spel
from ..extensions import db
from ..signoff import services as signoff
from ..web.errors import abort_fr
from ..web.htmx import hx_redirect, is_htmx, render, wants_fragment
from ..web.principal import current_principal
from . import listing, services
from .access import get_plan_or_404, visible_plans
from .forms import ActionForm, DeleteForm, NewActionForm, PlanCreateForm, SubmitForm, WithdrawForm
from .models import PlanAction, PlanState

bp = Blueprint("plans", __name__, url_prefix="/plans")


@bp.app_template_filter("number_fr")
def number_fr(value, decimals: int | None = None) -> str:
    """French number: « 12 500 », « 3,5 » (thin no-break space between thousands)."""
    if value is None:
        return ""
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if decimals is None:
        decimals = 0 if number == number.to_integral_value() else 2
    return format_number_fr(number, decimals)


def _user():
    return current_user._get_current_object()


def _organisations():
    return db.session.execute(
        select(Organisation).where(Organisation.active.is_(True)).order_by(Organisation.name)).scalars().all()


def _fill_choices(form, orgs):
    choices = [(o.id, o.name) for o in orgs]
    if hasattr(form, "lead_organisation_id"):
        form.lead_organisation_id.choices = [("", "— Choisir —")] + choices
        form.partner_ids.choices = choices
    return form


def _action_data(form) -> services.ActionData:
    return services.ActionData(
        title=form.title.data or "", description=form.description.data or "", axis=form.axis.data or "",
        lead_organisation_id=form.lead_organisation_id.data, partner_ids=list(form.partner_ids.data or []),
        budget_eur=form.budget_eur.data, start_date=form.start_date.data, end_date=form.end_date.data,
        status=form.status.data or "", progress_notes=form.progress_notes.data or "")


def _audit_bad_input(plan, form, what: str) -> None:
    record_now("plan_action.input_refused", object_type="action_plan", object_id=plan.id,
               summary=f"Saisie refusée ({what})", details={"errors": form.errors})


# --- List and creation -----------------------------------------------------------

def _manageable_spels(principal):
    spels = db.session.execute(select(Spel).order_by(Spel.name)).scalars().all()
    return [s for s in spels if services.can_manage(principal, s.id)]


def _index_page(form=None, status=200):
    principal = current_principal()
    spels = _manageable_spels(principal)
    if form is None:
        form = PlanCreateForm(formdata=None)
    form.spel_id.choices = [(s.id, s.label) for s in spels]
    return render("plans/index.html", rows=visible_plans(principal), form=form, spels=spels, status=status)


@bp.route("/")
def index():
    return _index_page()


@bp.route("/", methods=["POST"])
def create():
    form = PlanCreateForm()
    principal = current_principal()
    form.spel_id.choices = [(s.id, s.label) for s in _manageable_spels(principal)]
    if not form.validate_on_submit():
        return _index_page(form, 422)
    spel = db.session.get(Spel, form.spel_id.data or 0)
    if spel is None:
        form.spel_id.errors = ["SPEL inconnu : choisissez-le dans la liste."]
        return _index_page(form, 422)
    try:
        plan = services.create_plan(spel=spel, year=form.year.data, user=_user(), principal=principal,
                                    title=form.title.data or "")
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        attach_service_error(form, exc)
        return _index_page(form, 422)
    flash("Plan d'action créé.", "success")
    return redirect(url_for("plans.detail", plan_id=plan.id), code=303)


# --- The plan page ---------------------------------------------------------------

def _revision(plan, number=None):
    if number is None:
        return plan.revisions[-1]
    for rev in plan.revisions:
        if rev.number == number:
            return rev
    abort(404)


def _editable(plan, access, revision) -> bool:
    return access.manage and plan.state == PlanState.DRAFT and revision.id == plan.revisions[-1].id


def _page(plan, access, *, revision=None, editing_id=None, form=None, adding=False, status=200, extra=None,
          page=None):
    revision = revision or plan.revisions[-1]
    if editing_id is not None:
        page = listing.page_of(db.session.get(PlanAction, editing_id))
    elif adding:
        page = 10 ** 6  # the last page, where the new row goes
    listed = listing.action_page(revision, page)
    rounds = signoff.rounds_for(services.SUBJECT_TYPE, [r.id for r in plan.revisions])
    round_by_revision = {}
    for r in rounds:
        round_by_revision.setdefault(r.subject_id, []).append(r)
    orgs = _organisations() if (editing_id or adding) else []
    if form is not None:
        _fill_choices(form, orgs)
    from ..exports.pdf import PDF_UNAVAILABLE_FR, pdf_available

    ctx = dict(pdf_available=pdf_available(), pdf_unavailable=PDF_UNAVAILABLE_FR,
               plan=plan, access=access, revision=revision, actions=listed.actions, values=listed.values,
               listed=listed, editable=_editable(plan, access, revision), rounds=rounds,
               round_by_revision=round_by_revision, total_budget=listed.total_budget,
               editing_id=editing_id, form=form, adding=adding, delete_form=DeleteForm(formdata=None),
               withdraw_form=WithdrawForm(formdata=None))
    ctx.update(extra or {})
    return render("plans/plan.html", **ctx, status=status)


@bp.route("/<int:plan_id>")
def detail(plan_id: int):
    plan, access = get_plan_or_404(plan_id)
    number = request.args.get("revision", type=int)
    return _page(plan, access, revision=_revision(plan, number), page=request.args.get("page", type=int))


@bp.route("/<int:plan_id>/plan.docx")
def export_docx(plan_id: int):
    from ..exports.http import docx_response
    from .export import export_filename, plan_docx

    plan, _access = get_plan_or_404(plan_id)
    revision = _revision(plan, request.args.get("revision", type=int))
    return docx_response(plan_docx(plan, revision), export_filename(plan, revision, "docx"))


@bp.route("/<int:plan_id>/plan.pdf")
def export_pdf(plan_id: int):
    from ..exports.http import pdf_response
    from ..exports.pdf import PDF_UNAVAILABLE_FR, pdf_available, to_pdf
    from .export import export_filename, plan_docx

    plan, _access = get_plan_or_404(plan_id)
    revision = _revision(plan, request.args.get("revision", type=int))
    if not pdf_available():
        abort_fr(404, PDF_UNAVAILABLE_FR)
    pdf = to_pdf(plan_docx(plan, revision))
    if pdf is None:
        abort_fr(500, "La conversion en PDF a échoué ; le document Word reste disponible.")
    return pdf_response(pdf, export_filename(plan, revision, "pdf"))


def _action_of(plan, action_id) -> PlanAction:
    action = db.session.execute(
        select(PlanAction).where(PlanAction.id == action_id)
        .options(selectinload(PlanAction.partner_links), joinedload(PlanAction.revision))
    ).unique().scalar_one_or_none()
    if action is None or action.revision.plan_id != plan.id:
        abort(404)
    return action


def _row(plan, access, action, *, announce=None, focus=True):
    """One action row (fragment), or the whole page for a plain request."""
    if not wants_fragment():
        return redirect(url_for("plans.detail", plan_id=plan.id, page=listing.page_of(action),
                                _anchor=f"action-{action.id}"), code=303)
    action = listing.action_with_links(action)
    return render("plans/plan.html", "action_row", plan=plan, access=access, a=action,
                  values=listing.values_by_action([action.id]),
                  editable=_editable(plan, access, action.revision), delete_form=DeleteForm(formdata=None),
                  announce=announce, focus=focus)


def _form_row(plan, access, action, form, *, status=200, message=None):
    if wants_fragment():
        _fill_choices(form, _organisations())
        return render("plans/plan.html", "action_form_row", plan=plan, a=action, form=form, status=status,
                      message=message)
    return _page(plan, access, editing_id=action.id if action else None, adding=action is None, form=form,
                 status=status, extra={"message": message})


def _refuse_frozen(plan, access, revision):
    if not _editable(plan, access, revision):
        message = ("Ce plan est figé : son contenu ne peut plus être modifié." if plan.state != PlanState.DRAFT
                   else "Seule la dernière révision du plan peut être modifiée.")
        abort_fr(409, message)


@bp.route("/<int:plan_id>/actions/<int:action_id>")
def action_row(plan_id: int, action_id: int):
    plan, access = get_plan_or_404(plan_id)
    action = _action_of(plan, action_id)
    return _row(plan, access, action)


def _prefix(action) -> str:
    """Each row's form has its own field ids and names: several rows may be open at once."""
    return f"a{action.id}" if action else "new"


def _edit_form(action) -> ActionForm:
    form = ActionForm(obj=action, prefix=_prefix(action))
    if not form.is_submitted():
        form.partner_ids.data = [link.organisation_id for link in action.partner_links]
        form.axis.data, form.status.data = action.axis.value, action.status.value
    return form


@bp.route("/<int:plan_id>/actions/<int:action_id>/modifier", methods=["GET", "POST"])
def action_edit(plan_id: int, action_id: int):
    plan, access = get_plan_or_404(plan_id, "manage")
    action = _action_of(plan, action_id)
    if request.method == "GET":
        _refuse_frozen(plan, access, action.revision)
        return _form_row(plan, access, action, _edit_form(action))
    form = _edit_form(action)
    if not form.validate_on_submit():
        _audit_bad_input(plan, form, f"action {action.id}")
        return _form_row(plan, access, action, form, status=422)
    try:
        services.update_action(plan, action, _action_data(form), expected_version=form.version.data, user=_user())
        db.session.commit()
    except (StaleEdit, StaleDataError):
        db.session.rollback()
        plan, access = get_plan_or_404(plan_id, "manage")
        action = _action_of(plan, action_id)
        fresh = ActionForm(formdata=None, obj=action, prefix=_prefix(action))
        fresh.partner_ids.data = [link.organisation_id for link in action.partner_links]
        fresh.axis.data, fresh.status.data = action.axis.value, action.status.value
        fresh.form_errors.append(StaleEdit(action).message)
        return _form_row(plan, access, action, fresh, status=409)
    except ServiceError as exc:
        db.session.rollback()
        plan, access = get_plan_or_404(plan_id, "manage")
        action = _action_of(plan, action_id)
        attach_service_error(form, exc)
        return _form_row(plan, access, action, form, status=422 if exc.field else 409)
    return _row(plan, access, action, announce="Action enregistrée.")


@bp.route("/<int:plan_id>/actions/nouvelle", methods=["GET", "POST"])
def action_new(plan_id: int):
    plan, access = get_plan_or_404(plan_id, "manage")
    latest = plan.revisions[-1]
    if request.method == "GET":
        _refuse_frozen(plan, access, latest)
        form = NewActionForm(formdata=None, prefix="new",
                             data={"axis": "emploi", "status": "planned", "budget_eur": Decimal(0)})
        return _form_row(plan, access, None, form)
    form = NewActionForm(prefix="new")
    if not form.validate_on_submit():
        _audit_bad_input(plan, form, "nouvelle action")
        return _form_row(plan, access, None, form, status=422)
    try:
        action = services.add_action(plan, _action_data(form), user=_user())
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        plan, access = get_plan_or_404(plan_id, "manage")
        attach_service_error(form, exc)
        return _form_row(plan, access, None, form, status=422 if exc.field else 409)
    if not wants_fragment():
        flash("Action ajoutée.", "success")
        return redirect(url_for("plans.detail", plan_id=plan.id, page=listing.page_of(action),
                                _anchor=f"action-{action.id}"), code=303)
    action = listing.action_with_links(action)
    return render("plans/plan.html", "action_created", plan=plan, access=access, a=action,
                  values={}, editable=True, delete_form=DeleteForm(formdata=None),
                  announce="Action ajoutée.", focus=True)


@bp.route("/<int:plan_id>/actions/<int:action_id>/supprimer", methods=["POST"])
def action_delete(plan_id: int, action_id: int):
    plan, access = get_plan_or_404(plan_id, "manage")
    action = _action_of(plan, action_id)
    form = DeleteForm()
    if not form.validate_on_submit():
        abort_fr(400, "Formulaire incomplet : rechargez la page.")
    try:
        services.delete_action(plan, action, expected_version=form.version.data, user=_user())
        db.session.commit()
    except StaleEdit as exc:
        db.session.rollback()
        abort_fr(409, exc.message)
    except ServiceError as exc:
        db.session.rollback()
        abort_fr(409, exc.message)
    if is_htmx():
        return render("plans/plan.html", "action_deleted", title=action.title)
    flash("Action supprimée.", "success")
    return redirect(url_for("plans.detail", plan_id=plan.id), code=303)


# --- Submission for sign-off -----------------------------------------------------

def _submit_page(plan, form, status=200):
    orgs = _organisations()
    form.organisations.choices = [(o.id, f"{o.name} ({o.kind_label})") for o in orgs]
    return render("plans/submit.html", plan=plan, revision=plan.revisions[-1], form=form, status=status)


@bp.route("/<int:plan_id>/soumettre", methods=["GET", "POST"])
def submit(plan_id: int):
    plan, access = get_plan_or_404(plan_id, "manage")
    if request.method == "GET":
        if plan.state != PlanState.DRAFT:
            abort_fr(409, f"Ce plan est {plan.state_label} : il ne peut pas être soumis à nouveau.")
        form = SubmitForm(formdata=None, data={"organisations": services.default_signatory_ids(plan)})
        return _submit_page(plan, form)
    form = SubmitForm()
    if not form.validate_on_submit():
        return _submit_page(plan, form, 422)
    try:
        round_ = services.submit(plan, organisation_ids=list(form.organisations.data or []), user=_user(),
                                 principal=current_principal())
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        plan, access = get_plan_or_404(plan_id, "manage")
        attach_service_error(form, exc)
        return _submit_page(plan, form, 422 if exc.field else 409)
    flash(f"Révision soumise à validation (circuit n° {round_.id}). Le contenu du plan est figé pendant le circuit.",
          "success")
    return hx_redirect(url_for("plans.detail", plan_id=plan.id))


@bp.route("/<int:plan_id>/retirer", methods=["POST"])
def withdraw(plan_id: int):
    plan, access = get_plan_or_404(plan_id, "manage")
    form = WithdrawForm()
    if not form.validate_on_submit():
        return _page(plan, access, status=422, extra={"withdraw_form": form})
    try:
        services.withdraw(plan, reason=form.reason.data, user=_user(), principal=current_principal())
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        plan, access = get_plan_or_404(plan_id, "manage")
        attach_service_error(form, exc)
        return _page(plan, access, status=422 if exc.field else 409, extra={"withdraw_form": form})
    flash("Le plan a été retiré de la validation ; une nouvelle révision est ouverte en brouillon.", "success")
    return hx_redirect(url_for("plans.detail", plan_id=plan.id))
