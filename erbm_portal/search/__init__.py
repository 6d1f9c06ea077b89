"""French full-text search over every domain's documents, filtered by the access policy.

Domains call ``services.index_document(...)`` / ``services.remove_document(...)``
in the transaction that changes the object; pages call ``services.search(...)``.
See ``sources.py`` for the list of document types the domains must index.
"""
