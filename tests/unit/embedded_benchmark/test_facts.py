"""xqg.embedded_benchmark.facts: territory facts from CLDR (and the answers drawn from them)."""

from __future__ import annotations

from xqg.embedded_benchmark.facts import load_territory_facts
from xqg.embedded_benchmark.questions import answer_for


def test_finland_facts_and_answers():
    finland = {t.code: t for t in load_territory_facts()}["FI"]
    assert (finland.name, finland.alpha_3, finland.numeric, finland.official_name) == ("Finland", "FIN", "246", "Republic of Finland")
    assert finland.names["ja"] == "フィンランド" and finland.names["fi"] == "Suomi"
    assert [c.name for c in finland.current_currencies] == ["Euro"]
    assert answer_for("time_zone_city", finland) == "Helsinki"
    assert answer_for("main_language", finland) == "Finnish"
    assert answer_for("currency", finland) == "Euro"
