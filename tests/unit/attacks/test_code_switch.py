"""xqg.attacks.code_switch: entity anglicisation from CLDR names, and code-switching content words from
bilingual dictionaries (TSV and dictd)."""

from __future__ import annotations

import gzip
import random
from pathlib import Path

import pytest

from xqg.attacks import ATTACKS
from xqg.attacks.code_switch import CodeSwitchAttack, EntityAnglicisation, read_bilingual_dictionary
from xqg.formats import InputFormatError


def test_entity_anglicisation_cldr_names():
    attack = ATTACKS["entity_anglicisation"]
    assert attack("Какая столица Финляндии?", "ru", 1, random.Random(0)).text == "Какая столица Finland?"
    assert attack("日本の首都はどこですか？", "ja", 1, random.Random(0)).text == "Japanの首都はどこですか？"
    assert attack("핀란드의 인구는 얼마나 되나요?", "ko", 1, random.Random(0)).text == "Finland의 인구는 얼마나 되나요?"
    assert attack("ما هي عاصمة فنلندا؟", "ar", 1, random.Random(0)).text == "ما هي عاصمة Finland؟"
    assert not attack("Milloin Jean Sibelius syntyi?", "fi", 2, random.Random(0)).changed
    # without a dictionary, code_switch changes no query: names are the variation's, not the attack's
    assert not ATTACKS["code_switch"]("Какая столица Финляндии?", "ru", 1, random.Random(0)).changed


def _write_dictd(index: Path, entries: dict[str, str]) -> None:
    b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

    def number(n: int) -> str:
        out = ""
        while True:
            out = b64[n % 64] + out
            n //= 64
            if n == 0:
                return out

    data, lines = b"", []
    for head, body in entries.items():
        blob = f"{head} /pron/ <n>\n{body}\n".encode()
        lines.append(f"{head}\t{number(len(data))}\t{number(len(blob))}")
        data += blob
    index.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with gzip.open(index.with_suffix(".dict.dz"), "wb") as handle:
        handle.write(data)


def test_code_switch_dictionaries(tmp_path):
    tsv = tmp_path / "fi-en.tsv"
    tsv.write_text("# word\tenglish\npääkaupunki\tcapital\n", encoding="utf-8")
    assert read_bilingual_dictionary(tsv) == {"pääkaupunki": "capital"}
    attack = CodeSwitchAttack({"fi": tsv})
    assert attack.dictionary_languages == {"fi"}
    # the content word switches; the name is left to entity_anglicisation, even with a dictionary entry
    for seed in range(5):
        assert attack("Mikä on Suomen pääkaupunki?", "fi", 2, random.Random(seed)).text == "Mikä on Suomen capital?"
    names = tmp_path / "names.tsv"
    names.write_text("suomen\tFinnish\n", encoding="utf-8")
    assert not CodeSwitchAttack({"fi": names})("Mikä on Suomen pääkaupunki?", "fi", 1, random.Random(0)).changed
    assert EntityAnglicisation()("Mikä on Suomen pääkaupunki?", "fi", 1, random.Random(0)).text == "Mikä on Finland pääkaupunki?"
    index = tmp_path / "fin-eng.index"
    _write_dictd(index, {"kaupunki": "city, town\nsivilisaation taajama", "kieli": "1. tongue, language\nlihas"})
    assert read_bilingual_dictionary(index) == {"kaupunki": "city", "kieli": "tongue"}
    bad = tmp_path / "bad.tsv"
    bad.write_text("only-one-column\n", encoding="utf-8")
    with pytest.raises(InputFormatError, match="line 1"):
        read_bilingual_dictionary(bad)


FREEDICT = Path("/usr/share/dictd/freedict-fin-eng.index")


@pytest.mark.slow
@pytest.mark.skipif(not FREEDICT.exists(), reason="Debian dict-freedict-fin-eng not installed")
def test_real_freedict_fin_eng():
    lexicon = read_bilingual_dictionary(FREEDICT)
    assert lexicon["kaupunki"] == "city" and len(lexicon) > 10000
