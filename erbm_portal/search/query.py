"""From what a person typed to a safe full-text query.

Only plain word tokens survive: FTS5 and tsquery operators, quotes, ``*``,
parentheses and SQL metacharacters are separators. Each backend's query is
built from these tokens (every token must match, as a prefix), and passed as
a bound parameter.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

MAX_INPUT_CHARS = 500
MAX_TERMS = 8
MAX_TERM_CHARS = 40
WORD = re.compile(r"[^\W_]+")

# Common French words that carry no meaning for a search (PostgreSQL drops them
# too; dropping them here keeps both backends alike).
STOP_WORDS = frozenset("""
a au aux avec ce ces d dans de des du elle en et eux il je l la le les leur lui m ma mais me même mes moi
mon n ne nos notre nous on ou par pas pour qu que qui s sa se ses son sur t ta te tes toi ton tu un une vos
votre vous y à été être est sont
""".split())


@dataclass(frozen=True)
class ParsedQuery:
    terms: tuple[str, ...]
    truncated: bool  # the query had more words than are searched

    @property
    def is_empty(self) -> bool:
        return not self.terms


def parse(raw: str | None) -> ParsedQuery:
    raw = (raw or "")[:MAX_INPUT_CHARS * 4]
    words = [w.lower()[:MAX_TERM_CHARS] for w in WORD.findall(raw[:MAX_INPUT_CHARS])]
    terms: list[str] = []
    for word in words:
        if word in STOP_WORDS or (len(word) < 2 and not word.isdigit()) or word in terms:
            continue
        terms.append(word)
    truncated = len(terms) > MAX_TERMS or len(raw) > MAX_INPUT_CHARS
    return ParsedQuery(tuple(terms[:MAX_TERMS]), truncated)


def fts5_match(query: ParsedQuery) -> str:
    """``"renovation"* "logement"*``: each term quoted (so never an operator), as a prefix."""
    return " ".join(f'"{t}"*' for t in query.terms)


def pg_tsquery(query: ParsedQuery) -> str:
    """``renovation:* & logement:*`` for ``to_tsquery`` (terms are letters and digits only)."""
    return " & ".join(f"{t}:*" for t in query.terms)
