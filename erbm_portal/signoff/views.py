from __future__ import annotations

import hashlib

from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..core.errors import ServiceError
from ..core.forms import attach_service_error
from ..extensions import db
from ..web.htmx import render
from ..web.principal import current_principal
from . import services
from .forms import DecisionForm, VerifyForm
from .models import Decision, RoundState, SignoffParty, SignoffRound
from .subjects import handler_for

bp = Blueprint("signoff", __name__, url_prefix="/validations")


def get_round_or_404(round_id: int):
    round_ = db.session.execute(
        select(SignoffRound).where(SignoffRound.id == round_id)
        .options(selectinload(SignoffRound.parties).selectinload(SignoffParty.organisation),
                 selectinload(SignoffRound.parties).selectinload(SignoffParty.decided_by))
    ).scalar_one_or_none()
    if round_ is None:
        abort(404)
    handler = handler_for(round_.subject_type)
    if not handler.can_view(current_principal(), round_.subject_id):
        abort(404)
    return round_, handler


def _my_pending_party(round_: SignoffRound):
    principal = current_principal()
    if round_.state != RoundState.OPEN:
        return None
    for party in round_.parties:
        if (party.organisation_id == principal.organisation_id and party.decision == Decision.PENDING
                and principal.has_signatory_for(party.organisation_id)):
            return party
    return None


def _page(round_, handler, form, status=200):
    return render("signoff/round.html", "decision_panel", round=round_, handler=handler, form=form,
                  my_party=_my_pending_party(round_), status=status)


@bp.route("/<int:round_id>")
def round_detail(round_id: int):
    round_, handler = get_round_or_404(round_id)
    return _page(round_, handler, DecisionForm())


@bp.route("/<int:round_id>/decision", methods=["POST"])
def decide(round_id: int):
    from flask_login import current_user

    round_, handler = get_round_or_404(round_id)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            services.decide(round_id, user=current_user._get_current_object(),
                            organisation_id=current_user.organisation_id,
                            decision=Decision(form.decision.data), comment=form.comment.data or "")
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            attach_service_error(form, exc)
            round_, handler = get_round_or_404(round_id)
            return _page(round_, handler, form, status=409 if exc.field is None else 422)
        flash("Votre décision a été enregistrée.", "success")
        return redirect(url_for("signoff.round_detail", round_id=round_id), code=303)
    return _page(round_, handler, form, status=422)


@bp.route("/<int:round_id>/contenu.json")
def content(round_id: int):
    round_, _handler = get_round_or_404(round_id)
    return Response(round_.content.encode("utf-8"), mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="validation-{round_.id}-contenu.json"'})


@bp.route("/verifier", methods=["GET", "POST"])
def verify():
    form = VerifyForm()
    digest, matches, status = None, [], 200
    if form.validate_on_submit():
        upload = request.files.get(form.document.name)
        if upload and upload.filename:
            h = hashlib.sha256()
            for chunk in iter(lambda: upload.stream.read(65536), b""):
                h.update(chunk)
            digest = h.hexdigest()
        elif form.sha256.data and form.sha256.data.strip():
            digest = form.sha256.data.strip().lower()
        else:
            form.sha256.errors = ["Collez une empreinte ou choisissez un fichier."]
            status = 422
        if digest:
            principal = current_principal()
            matches = [(fp, rnd, handler_for(rnd.subject_type)) for fp, rnd in services.find_by_hash(digest)
                       if handler_for(rnd.subject_type).can_view(principal, rnd.subject_id)]
    elif form.is_submitted():
        status = 422
    return render("signoff/verify.html", "verify_result", form=form, digest=digest, matches=matches,
                  status=status)
