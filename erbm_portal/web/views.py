from flask import Blueprint

bp = Blueprint("web", __name__)


@bp.route("/healthz")
def healthz():
    return {"status": "ok"}
