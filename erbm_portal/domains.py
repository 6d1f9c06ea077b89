"""The domain packages of the application, in registration order.

Each package may hold ``models.py`` (tables), ``views.py`` (a blueprint named
``bp``) and ``demo.py`` (a ``seed_demo()`` run by ``erbm seed-demo``).
"""
DOMAINS = [
    "web",
    "accounts",
    "audit",
    "directory",
    "home",
    "meetings",
    "signoff",
    "agreement",
    "exports",
    "search",
    "notifications",
    "feeds",
    "mail",
    "minutes",
    "plans",
    "indicators",
]
