"""Entry point for `flask --app wsgi ...` and gunicorn (`gunicorn wsgi:app`)."""
from erbm_portal import create_app

app = create_app()
