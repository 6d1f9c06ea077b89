"""Mail backends, chosen by MAIL_BACKEND: console (log), file (.eml files), smtp, memory (tests)."""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app

log = logging.getLogger("erbm.mail")

# The memory backend's mailbox (tests read and clear it).
OUTBOX: list[EmailMessage] = []


def build_message(row) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    msg["To"] = row.recipient
    msg["Subject"] = row.subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(idstring=f"outbox-{row.id}", domain="erbm")
    msg.set_content(row.body_text)
    if row.ics:
        msg.add_attachment(row.ics, maintype="text", subtype="calendar", filename="invitation.ics",
                           params={"method": row.ics_method or "REQUEST"})
    return msg


def send(msg: EmailMessage) -> None:
    cfg = current_app.config
    backend = cfg.get("MAIL_BACKEND", "console")
    if backend == "memory":
        OUTBOX.append(msg)
    elif backend == "console":
        log.warning("Courriel (backend console) à %s : %s\n%s", msg["To"], msg["Subject"],
                    msg.get_body(("plain",)).get_content())
    elif backend == "file":
        directory = Path(cfg["MAIL_FILE_DIR"])
        directory.mkdir(parents=True, exist_ok=True)
        name = msg["Message-ID"].strip("<>").replace("@", "_").replace("/", "_")
        (directory / f"{name}.eml").write_bytes(bytes(msg))
    elif backend == "smtp":
        with smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=30) as smtp:
            if cfg.get("MAIL_USE_TLS"):
                smtp.starttls()
            if cfg.get("MAIL_USERNAME"):
                smtp.login(cfg["MAIL_USERNAME"], cfg.get("MAIL_PASSWORD") or "")
            smtp.send_message(msg)
    else:
        raise RuntimeError(f"MAIL_BACKEND inconnu : {backend!r}")
