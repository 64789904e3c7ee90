"""xqg.generation.templates: the template generator."""

from __future__ import annotations

from tests.helpers.toy_generation import PASSAGES
from xqg.generation.quality import script_share
from xqg.generation.templates import QUESTION_TEMPLATES, template_generate
from xqg.languages import LANGUAGES


def test_templates_are_deterministic_and_carry_the_title():
    first = list(template_generate(PASSAGES, LANGUAGES, n_samples=5, seed=1))
    assert first == list(template_generate(PASSAGES, LANGUAGES, n_samples=5, seed=1))
    assert first != list(template_generate(PASSAGES, LANGUAGES, n_samples=5, seed=2))
    assert len(first) == len(PASSAGES) * 7
    for record in first:
        title = next(p.title for p in PASSAGES if p.id == record.passage_id)
        assert len(record.queries) == 5 and len(set(record.queries)) == 5  # without replacement
        assert all(title in q for q in record.queries)
        assert set(record.queries) <= {t.format(title=title) for t in QUESTION_TEMPLATES[record.lang]}
    ja = next(r for r in first if r.lang == "ja" and r.passage_id == "p1")
    assert all(script_share(q.replace("Paris", ""), "ja") == 1.0 for q in ja.queries)
