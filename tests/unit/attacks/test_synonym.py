"""xqg.attacks.synonym: MyThes thesauri."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from xqg.attacks.synonym import SynonymAttack, read_mythes
from xqg.formats import InputFormatError


def test_synonym_with_small_thesaurus(tmp_path):
    path = tmp_path / "th_test.dat"
    path.write_text("UTF-8\nозеро|1\n(сущ.)|водоём|пруд (разг.)\n", encoding="utf-8")
    assert read_mythes(str(path)) == {"озеро": ("водоём", "пруд")}
    attack = SynonymAttack({"ru": path})
    result = attack("Где находится озеро Байкал?", "ru", 1, random.Random(0))
    assert result.text in ("Где находится водоём Байкал?", "Где находится пруд Байкал?")
    assert not SynonymAttack()("Где находится озеро Байкал?", "ru", 1, random.Random(0)).changed
    truncated = tmp_path / "th_bad.dat"
    truncated.write_text("UTF-8\nозеро|2\n(сущ.)|водоём\n", encoding="utf-8")
    with pytest.raises(InputFormatError, match="file ends early"):
        read_mythes(str(truncated))


MYTHES_RU = Path("/usr/share/mythes/th_ru_RU_v2.dat")


@pytest.mark.slow
@pytest.mark.skipif(not MYTHES_RU.exists(), reason="Debian mythes-ru not installed")
def test_real_mythes_ru():
    thesaurus = read_mythes(str(MYTHES_RU))
    assert "город" in thesaurus and len(thesaurus) > 10000
