"""No pages: the blueprint only hooks the after-response sending of queued mail."""
from flask import Blueprint

from .services import init_after_response

bp = Blueprint("mail", __name__)
bp.record_once(lambda state: init_after_response(state.app))
