from __future__ import annotations

from flask import abort

from ..extensions import db
from ..web.principal import current_principal
from .models import Notification


def get_own_notification_or_404(notification_id: int) -> Notification:
    """A person only ever sees their own notifications: someone else's is 404."""
    n = db.session.get(Notification, notification_id)
    if n is None or n.user_id != current_principal().user_id:
        abort(404)
    return n
