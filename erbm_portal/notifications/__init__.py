"""In-app notifications, each person's email preferences per kind, and the daily digest.

Domains call ``services.notify(users, kind, title, url, body)`` in the
transaction of the change that causes it.
"""
