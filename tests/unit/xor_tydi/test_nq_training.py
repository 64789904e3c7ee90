"""xqg.xor_tydi.nq_training: the NQ inputs for English training."""

from __future__ import annotations

import pytest

from xqg.formats import InputFormatError
from xqg.xor_tydi.nq_training import NoPositivesError, read_english_training, read_nq_qa_csv


def test_nq_qa_csv_is_parsed_then_refused_for_lack_of_positives(tmp_path):
    path = tmp_path / "nq-train.qa.csv"
    path.write_text("who got the first nobel prize in physics\t['Wilhelm Conrad Röntgen']\n"
                    "who sings does he love me with reba\t['Linda Davis', \"Jack's band\"]\n", encoding="utf-8")
    assert read_nq_qa_csv(path) == [("who got the first nobel prize in physics", ("Wilhelm Conrad Röntgen",)),
                                    ("who sings does he love me with reba", ("Linda Davis", "Jack's band"))]
    with pytest.raises(NoPositivesError, match="2 questions.*Tevatron/wikipedia-nq"):
        read_english_training(path)
    path.write_text("a question\t__import__('os').system('true')\n", encoding="utf-8")
    with pytest.raises(InputFormatError, match="line 1, field 'answers'"):
        read_nq_qa_csv(path)
