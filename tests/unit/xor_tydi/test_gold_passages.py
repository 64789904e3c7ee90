"""xqg.xor_tydi.gold_passages: the rule matching gold paragraphs to corpus passages, by hand."""

from __future__ import annotations

from xqg.formats import Passage
from xqg.xor_tydi.gold_passages import CorpusMatcher, Reference


def test_matcher_rule_by_hand():
    para = "The city of Portland lies at the confluence of the Willamette and Columbia rivers in Oregon state"
    refs = [Reference("q1", "Portland,_Oregon", para, ("Willamette",)),
            Reference("q2", "Portland, Oregon", para, ()),  # a yes/no question: no answer to require
            Reference("q3", "Tiny", "Short text here", ())]
    matcher = CorpusMatcher(refs, ngram=8)
    corpus = [
        Passage("1", "Portland, Oregon", "Intro words. The city of Portland lies at the confluence of the"),  # first 10 words
        Passage("2", "portland,  oregon", "of the Willamette and Columbia rivers in Oregon state. More text follows here."),
        Passage("3", "Portland, Oregon", "Unrelated history of the region with no shared run of eight words."),
        Passage("4", "Portland, Maine", para),  # same text, other article
        Passage("5", "Tiny", "Before: short TEXT here, after."),
    ]
    assert [matcher.observe(p) for p in corpus] == [True, True, False, False, True]
    gold = matcher.gold_passages()
    assert gold == {"q1": ["2"], "q2": ["1", "2"], "q3": ["5"]}
    stats = matcher.stats()
    assert (stats.references, stats.matched, stats.with_answer, stats.overlap_only) == (3, 3, 1, 2)
