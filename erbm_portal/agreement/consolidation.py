"""Consolidation of the agreement text and its avenants (pure Python).

The original agreement is a list of articles; each avenant (amendment) is a
list of changes (modify / insert / repeal) applied in order. Articles carry a
stable ``key`` so they can be followed across versions even when renumbered.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import asdict, dataclass, field, replace
from typing import Literal

from markupsafe import Markup, escape

ChangeOp = Literal["modify", "insert", "repeal"]
DiffOp = Literal["equal", "insert", "delete"]
Segment = tuple[DiffOp, str]
DiffStatus = Literal["added", "repealed", "modified", "unchanged"]


@dataclass(frozen=True)
class Article:
    key: str
    number: str
    title: str
    body: str


@dataclass(frozen=True)
class Change:
    op: ChangeOp
    article_key: str
    number: str | None = None
    title: str | None = None
    body: str | None = None
    after_key: str | None = None


@dataclass(frozen=True)
class Amendment:
    number: int
    changes: list[Change] = field(default_factory=list)


class AmendmentError(ValueError):
    def __init__(self, messages: list[str], amendment_number: int | None = None):
        super().__init__("; ".join(messages))
        self.messages = list(messages)
        self.amendment_number = amendment_number


# --- Validation and application -------------------------------------------


def _label(change: Change, numbers: dict[str, str]) -> str:
    """Display number of the article a change refers to, for messages."""
    return numbers.get(change.article_key) or change.number or change.article_key


def validate_amendment(text: list[Article], amendment: Amendment) -> list[str]:
    """Return French error messages; an empty list means the amendment is valid.

    Changes are checked sequentially, so an insertion may follow an article
    inserted earlier in the same amendment.
    """
    if not amendment.changes:
        return [f"L'avenant n° {amendment.number} ne contient aucune modification."]

    errors: list[str] = []
    numbers = {article.key: article.number for article in text}
    in_force = set(numbers)
    touched: set[str] = set()

    for change in amendment.changes:
        label = _label(change, numbers)
        if change.article_key in touched:
            errors.append(
                f"Deux modifications portent sur l'article {label} dans le même avenant."
            )
            continue
        touched.add(change.article_key)

        if change.op in ("modify", "insert") and not (change.body or "").strip():
            errors.append(f"Le texte de l'article {label} ne peut pas être vide.")

        if change.op in ("modify", "repeal"):
            if change.article_key not in in_force:
                errors.append(f"L'article {label} n'existe pas ou a été abrogé.")
            elif change.op == "repeal":
                in_force.discard(change.article_key)
        elif change.op == "insert":
            if change.article_key in in_force:
                errors.append(
                    f"Un article de clé « {change.article_key} » existe déjà dans le texte."
                )
            elif not (change.number or "").strip():
                errors.append("Le numéro de l'article inséré est obligatoire.")
            elif change.after_key is not None and change.after_key not in in_force:
                errors.append(
                    f"Impossible d'insérer l'article {label} après un article "
                    "qui n'existe pas ou a été abrogé."
                )
            else:
                in_force.add(change.article_key)
                numbers[change.article_key] = change.number or ""
        else:
            errors.append(f"Opération inconnue « {change.op} » sur l'article {label}.")
    return errors


def apply_amendment(text: list[Article], amendment: Amendment) -> list[Article]:
    """Return the text in force after the amendment; the input is not mutated."""
    errors = validate_amendment(text, amendment)
    if errors:
        raise AmendmentError(errors, amendment.number)

    result = list(text)
    for change in amendment.changes:
        if change.op == "insert":
            article = Article(
                key=change.article_key,
                number=change.number or "",
                title=change.title or "",
                body=change.body or "",
            )
            position = 0
            if change.after_key is not None:
                position = _index_of(result, change.after_key) + 1
            result.insert(position, article)
            continue

        index = _index_of(result, change.article_key)
        if change.op == "repeal":
            del result[index]
        else:  # modify: a missing number or title keeps the current one
            current = result[index]
            result[index] = replace(
                current,
                number=current.number if change.number is None else change.number,
                title=current.title if change.title is None else change.title,
                body=change.body or "",
            )
    return result


def _index_of(articles: list[Article], key: str) -> int:
    return next(i for i, article in enumerate(articles) if article.key == key)


def consolidate(original: list[Article], amendments: list[Amendment]) -> list[Article]:
    """Apply the amendments in order of their number."""
    text = list(original)
    for amendment in sorted(amendments, key=lambda a: a.number):
        text = apply_amendment(text, amendment)
    return text


def canonical_text(articles: list[Article]) -> str:
    """Deterministic serialisation of a text, suitable for hashing."""
    return json.dumps(
        [asdict(article) for article in articles],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )


# --- Comparison -------------------------------------------------------------


@dataclass(frozen=True)
class ArticleDiff:
    key: str
    status: DiffStatus
    old: Article | None
    new: Article | None
    title_diff: list[Segment] = field(default_factory=list)
    body_diff: list[Segment] = field(default_factory=list)

    @property
    def number(self) -> str:
        return (self.new or self.old).number  # type: ignore[union-attr]


def compare(old: list[Article], new: list[Article]) -> list[ArticleDiff]:
    """Article-by-article comparison keyed by ``key``.

    Ordered as in the new text; a repealed article is shown right after the
    last article that preceded it in the old text and still exists.
    """
    old_by_key = {article.key: article for article in old}
    new_keys = {article.key for article in new}

    # Repealed articles grouped by their surviving predecessor (None = start).
    repealed_after: dict[str | None, list[Article]] = {}
    anchor: str | None = None
    for article in old:
        if article.key in new_keys:
            anchor = article.key
        else:
            repealed_after.setdefault(anchor, []).append(article)

    def repealed(anchor_key: str | None) -> list[ArticleDiff]:
        return [
            ArticleDiff(a.key, "repealed", a, None)
            for a in repealed_after.get(anchor_key, [])
        ]

    result = repealed(None)
    for article in new:
        before = old_by_key.get(article.key)
        if before is None:
            result.append(ArticleDiff(article.key, "added", None, article))
        elif before == article:
            result.append(ArticleDiff(article.key, "unchanged", before, article))
        else:
            result.append(
                ArticleDiff(
                    article.key,
                    "modified",
                    before,
                    article,
                    title_diff=word_diff(before.title, article.title),
                    body_diff=word_diff(before.body, article.body),
                )
            )
        result.extend(repealed(article.key))
    return result


_TOKEN = re.compile(r"\s+|\S+")


def word_diff(old: str, new: str) -> list[Segment]:
    """Word-level diff; equal+delete rebuilds ``old``, equal+insert rebuilds ``new``."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    opcodes = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()

    segments: list[Segment] = []
    deleted, inserted = "", ""
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        old_part, new_part = "".join(a[i1:i2]), "".join(b[j1:j2])
        if tag == "equal":
            # Fold a lone space between two changes into the change, so the
            # reader sees "<del>a b</del><ins>x y</ins>" rather than fragments.
            between_changes = (deleted or inserted) and index < len(opcodes) - 1
            if between_changes and not old_part.strip():
                deleted += old_part
                inserted += new_part
                continue
            _flush(segments, deleted, inserted)
            deleted, inserted = "", ""
            _append(segments, "equal", old_part)
        else:
            deleted += old_part
            inserted += new_part
    _flush(segments, deleted, inserted)
    return segments


def _flush(segments: list[Segment], deleted: str, inserted: str) -> None:
    _append(segments, "delete", deleted)
    _append(segments, "insert", inserted)


def _append(segments: list[Segment], op: DiffOp, text: str) -> None:
    if not text:
        return
    if segments and segments[-1][0] == op:
        segments[-1] = (op, segments[-1][1] + text)
    else:
        segments.append((op, text))


def diff_to_html(segments: list[Segment]) -> Markup:
    """Render segments as escaped HTML with <ins>/<del> around changes."""
    parts: list[str] = []
    for op, text in segments:
        escaped = str(escape(text))
        if op == "insert":
            parts.append(f"<ins>{escaped}</ins>")
        elif op == "delete":
            parts.append(f"<del>{escaped}</del>")
        else:
            parts.append(escaped)
    return Markup("".join(parts))
