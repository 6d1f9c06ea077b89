import copy
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from erbm_portal.agreement.consolidation import (
    Amendment,
    AmendmentError,
    Article,
    Change,
    apply_amendment,
    canonical_text,
    compare,
    consolidate,
    diff_to_html,
    validate_amendment,
    word_diff,
)


def original_text():
    return [
        Article("a1", "1", "Objet", "La présente convention a pour objet le renouveau."),
        Article("a2", "2", "Partenaires", "L'État et la Région s'engagent."),
        Article("a3", "3", "Durée", "La convention est conclue pour dix ans."),
    ]


def keys(text):
    return [article.key for article in text]


# --- Concrete examples -------------------------------------------------------


def test_modify_replaces_title_and_body_and_keeps_number():
    amendment = Amendment(1, [Change("modify", "a3", title="Durée et suivi", body="Douze ans.")])
    result = apply_amendment(original_text(), amendment)
    assert result[2] == Article("a3", "3", "Durée et suivi", "Douze ans.")


def test_modify_without_title_keeps_title_and_can_renumber():
    amendment = Amendment(1, [Change("modify", "a2", number="2 A", body="Nouveau texte.")])
    result = apply_amendment(original_text(), amendment)
    assert result[1] == Article("a2", "2 A", "Partenaires", "Nouveau texte.")


def test_insert_after_and_at_start():
    amendment = Amendment(
        1,
        [
            Change("insert", "a4", number="2 bis", title="Gouvernance", body="Un comité.", after_key="a2"),
            Change("insert", "a5", number="2 ter", title="", body="Suite.", after_key="a4"),
            Change("insert", "a0", number="Préambule", title="", body="Considérant..."),
        ],
    )
    result = apply_amendment(original_text(), amendment)
    assert keys(result) == ["a0", "a1", "a2", "a4", "a5", "a3"]
    assert result[3] == Article("a4", "2 bis", "Gouvernance", "Un comité.")


def test_repeal_removes_article():
    result = apply_amendment(original_text(), Amendment(1, [Change("repeal", "a2")]))
    assert keys(result) == ["a1", "a3"]


def test_consolidate_applies_in_amendment_number_order():
    first = Amendment(1, [Change("modify", "a1", body="Version 1.")])
    second = Amendment(2, [Change("modify", "a1", body="Version 2."), Change("repeal", "a3")])
    result = consolidate(original_text(), [second, first])
    assert result[0].body == "Version 2."
    assert keys(result) == ["a1", "a2"]


def test_consolidate_stops_on_invalid_amendment():
    first = Amendment(1, [Change("repeal", "a3")])
    second = Amendment(2, [Change("modify", "a3", number="3", body="Trop tard.")])
    with pytest.raises(AmendmentError) as raised:
        consolidate(original_text(), [first, second])
    assert raised.value.amendment_number == 2
    assert raised.value.messages == ["L'article 3 n'existe pas ou a été abrogé."]


def test_compare_reports_each_status_in_new_order():
    old = original_text()
    amendment = Amendment(
        1,
        [
            Change("insert", "a4", number="1 bis", title="Nouveau", body="Ajout.", after_key="a1"),
            Change("repeal", "a2"),
            Change("modify", "a3", body="La convention est conclue pour douze ans."),
        ],
    )
    new = apply_amendment(old, amendment)
    diffs = compare(old, new)
    assert [(d.key, d.status) for d in diffs] == [
        ("a1", "unchanged"),
        ("a2", "repealed"),
        ("a4", "added"),
        ("a3", "modified"),
    ]
    modified = diffs[3]
    assert ("delete", "dix") in modified.body_diff
    assert ("insert", "douze") in modified.body_diff
    assert modified.title_diff == [("equal", "Durée")]
    assert diffs[1].old.number == "2" and diffs[1].new is None
    assert diffs[1].number == "2"


def test_compare_repealed_first_article_stays_first():
    old = original_text()
    diffs = compare(old, old[1:])
    assert [(d.key, d.status) for d in diffs] == [
        ("a1", "repealed"),
        ("a2", "unchanged"),
        ("a3", "unchanged"),
    ]


def test_word_diff_groups_adjacent_changes():
    assert word_diff("le chat noir dort", "le chien blanc dort") == [
        ("equal", "le "),
        ("delete", "chat noir"),
        ("insert", "chien blanc"),
        ("equal", " dort"),
    ]


def test_diff_to_html_escapes_everything():
    segments = word_diff("texte <b>sûr</b>", "texte <script>alert('x')</script>")
    html = str(diff_to_html(segments))
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "&lt;b&gt;" in html
    assert html.startswith("texte ")
    assert "<ins>" in html and "<del>" in html


def test_diff_to_html_plain_segments():
    html = diff_to_html([("equal", "a & b "), ("delete", "x"), ("insert", "<y>")])
    assert html == "a &amp; b <del>x</del><ins>&lt;y&gt;</ins>"


def test_canonical_text_is_deterministic_json():
    text = original_text()
    serial = canonical_text(text)
    assert serial == canonical_text(copy.deepcopy(text))
    assert "État" in serial  # ensure_ascii=False
    assert '","' in serial and '":"' in serial  # no spaces after separators
    assert json.loads(serial)[0] == {
        "body": "La présente convention a pour objet le renouveau.",
        "key": "a1",
        "number": "1",
        "title": "Objet",
    }
    assert serial.startswith('[{"body":')


def test_inputs_are_not_mutated():
    text = original_text()
    amendments = [
        Amendment(2, [Change("repeal", "a1")]),
        Amendment(1, [Change("insert", "a9", number="4", title="", body="x", after_key="a3")]),
    ]
    text_before, amendments_before = copy.deepcopy(text), copy.deepcopy(amendments)
    consolidate(text, amendments)
    compare(text, apply_amendment(text, amendments[0]))
    assert text == text_before
    assert amendments == amendments_before


# --- Validation errors --------------------------------------------------------


def errors_for(*changes, number=1):
    return validate_amendment(original_text(), Amendment(number, list(changes)))


def test_valid_amendment_has_no_error():
    assert errors_for(Change("modify", "a1", body="Ok.")) == []


def test_modify_unknown_article():
    assert errors_for(Change("modify", "a7", number="7", body="x")) == [
        "L'article 7 n'existe pas ou a été abrogé."
    ]


def test_repeal_unknown_article():
    assert errors_for(Change("repeal", "a7", number="7")) == [
        "L'article 7 n'existe pas ou a été abrogé."
    ]


def test_repeal_already_repealed_article():
    text = apply_amendment(original_text(), Amendment(1, [Change("repeal", "a3")]))
    assert validate_amendment(text, Amendment(2, [Change("repeal", "a3", number="3")])) == [
        "L'article 3 n'existe pas ou a été abrogé."
    ]


def test_insert_existing_key():
    errors = errors_for(Change("insert", "a2", number="2", body="x"))
    assert errors == ["Un article de clé « a2 » existe déjà dans le texte."]


def test_insert_after_unknown_article():
    errors = errors_for(Change("insert", "a9", number="9", body="x", after_key="a8"))
    assert errors == [
        "Impossible d'insérer l'article 9 après un article qui n'existe pas ou a été abrogé."
    ]


def test_insert_after_article_repealed_in_same_amendment():
    errors = errors_for(
        Change("repeal", "a2"),
        Change("insert", "a9", number="9", body="x", after_key="a2"),
    )
    assert len(errors) == 1 and "Impossible d'insérer l'article 9" in errors[0]


def test_insert_without_number():
    assert errors_for(Change("insert", "a9", body="x")) == [
        "Le numéro de l'article inséré est obligatoire."
    ]


def test_two_changes_on_same_article():
    errors = errors_for(Change("modify", "a3", body="x"), Change("repeal", "a3"))
    assert errors == ["Deux modifications portent sur l'article 3 dans le même avenant."]


@pytest.mark.parametrize("body", [None, "", "   \n"])
def test_empty_body(body):
    assert errors_for(Change("modify", "a2", body=body)) == [
        "Le texte de l'article 2 ne peut pas être vide."
    ]
    assert errors_for(Change("insert", "a9", number="9", body=body)) == [
        "Le texte de l'article 9 ne peut pas être vide."
    ]


def test_amendment_without_change():
    assert errors_for(number=4) == ["L'avenant n° 4 ne contient aucune modification."]


def test_apply_invalid_amendment_raises_with_messages():
    with pytest.raises(AmendmentError) as raised:
        apply_amendment(original_text(), Amendment(3, []))
    assert raised.value.messages == ["L'avenant n° 3 ne contient aucune modification."]
    assert raised.value.amendment_number == 3


# --- Property tests -------------------------------------------------------------

words = st.sampled_from(["le", "la", "article", "convention", "État", "<b>", "&", "x"])
separators = st.sampled_from([" ", "  ", "\n", "\t", ", "])
bodies = st.lists(st.tuples(words, separators), max_size=12).map(
    lambda parts: "".join(w + s for w, s in parts)
)
non_empty_bodies = bodies.map(lambda body: body + "fin")


def reference_apply(model, changes):
    """Plain list-of-dicts reference implementation."""
    model = [dict(entry) for entry in model]
    for change in changes:
        if change.op == "insert":
            position = 0
            if change.after_key is not None:
                position = [e["key"] for e in model].index(change.after_key) + 1
            model.insert(position, {
                "key": change.article_key, "number": change.number,
                "title": change.title or "", "body": change.body,
            })
            continue
        index = [e["key"] for e in model].index(change.article_key)
        if change.op == "repeal":
            del model[index]
        else:
            model[index]["body"] = change.body
            if change.title is not None:
                model[index]["title"] = change.title
            if change.number is not None:
                model[index]["number"] = change.number
    return model


@st.composite
def agreement_history(draw):
    size = draw(st.integers(min_value=0, max_value=5))
    original = [Article(f"a{i}", str(i), f"Titre {i}", draw(non_empty_bodies)) for i in range(1, size + 1)]
    model = [dict(key=a.key, number=a.number, title=a.title, body=a.body) for a in original]
    next_key = size + 1
    amendments = []
    for amendment_number in range(1, draw(st.integers(min_value=0, max_value=5)) + 1):
        changes, touched = [], set()
        for _ in range(draw(st.integers(min_value=1, max_value=4))):
            current = [e["key"] for e in model]
            free = [k for k in current if k not in touched]
            op = draw(st.sampled_from(["insert", "modify", "repeal"] if free else ["insert"]))
            if op == "insert":
                key = f"n{next_key}"
                next_key += 1
                change = Change(
                    "insert", key, number=f"{next_key} bis",
                    title=draw(st.one_of(st.none(), st.sampled_from(["T", "Titre"]))),
                    body=draw(non_empty_bodies),
                    after_key=draw(st.one_of(st.none(), st.sampled_from(current))) if current else None,
                )
            elif op == "modify":
                change = Change(
                    "modify", draw(st.sampled_from(free)),
                    number=draw(st.one_of(st.none(), st.sampled_from(["X", "2 A"]))),
                    title=draw(st.one_of(st.none(), st.sampled_from(["", "Nouveau"]))),
                    body=draw(non_empty_bodies),
                )
            else:
                change = Change("repeal", draw(st.sampled_from(free)))
            touched.add(change.article_key)
            changes.append(change)
            model = reference_apply(model, [change])
        amendments.append(Amendment(amendment_number, changes))
    shuffled = draw(st.permutations(amendments))
    return original, shuffled, model


@settings(max_examples=200, deadline=None)
@given(agreement_history())
def test_consolidate_matches_reference_model(history):
    original, amendments, expected = history
    original_copy, amendments_copy = copy.deepcopy(original), copy.deepcopy(amendments)

    text = list(original)
    for amendment in sorted(amendments, key=lambda a: a.number):
        assert validate_amendment(text, amendment) == []
        text = apply_amendment(text, amendment)

    result = consolidate(original, amendments)
    assert result == text
    assert [vars(a) for a in result] == expected
    assert original == original_copy and amendments == amendments_copy

    diffs = compare(original, result)
    assert [d.key for d in diffs if d.status != "repealed"] == keys(result)
    old_keys, new_keys = set(keys(original)), set(keys(result))
    assert {d.key for d in diffs if d.status == "repealed"} == old_keys - new_keys
    assert {d.key for d in diffs if d.status == "added"} == new_keys - old_keys


def rebuild(segments, kept_op):
    return "".join(text for op, text in segments if op in ("equal", kept_op))


@settings(max_examples=300, deadline=None)
@given(st.one_of(bodies, st.text()), st.one_of(bodies, st.text()))
def test_word_diff_rebuilds_old_and_new(old, new):
    segments = word_diff(old, new)
    assert rebuild(segments, "delete") == old
    assert rebuild(segments, "insert") == new
    assert all(text for _, text in segments)
    assert all(a[0] != b[0] for a, b in zip(segments, segments[1:]))
    if old == new:
        assert all(op == "equal" for op, _ in segments)

