"""The full-scale XOR-TyDi data path: the real question files (when ../shared is present), synthetic
corpora in DPR's TSV style, a synthetic gold-paragraph zip in the released SQuAD layout, NQ inputs,
and the sub-corpus protocol."""

from __future__ import annotations

import gzip
import json
import random
import zipfile
from pathlib import Path

import pytest
import yaml

from xqg.downloads import ChecksumError, verify_checksum
from xqg.formats import InputFormatError, Passage, iter_passages, read_qrels, read_questions
from xqg.xor_tydi.gold_paragraphs import article_title, generator_pairs, paragraph_id, read_gold_paragraph_data
from xqg.xor_tydi.gold_passages import CorpusMatcher, Reference
from xqg.xor_tydi.nq_training import NoPositivesError, read_english_training, read_nq_qa_csv
from xqg.xor_tydi.subcorpus import sample_distractors, subcorpus_passages
from xqg.xor_tydi.xor_layout import XorTydiInputs, XorTydiOutputs
from xqg.xor_tydi.xor_prepare import prepare_xor_tydi
from xqg.xor_tydi.xor_questions import answerable, question_counts, read_xor_questions

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "xor_tydi"
DEV_FILE = SHARED / "xor_dev_retrieve_eng_span_v1_1.jsonl"
TRAIN_FILE = SHARED / "xor_train_retrieve_eng_span.jsonl"
needs_real = pytest.mark.skipif(not DEV_FILE.exists() or not TRAIN_FILE.exists(),
                                reason=f"real XOR-TyDi question files not found in {SHARED} (a fresh checkout has no ../shared)")


@pytest.fixture(scope="module")
def real_questions():
    if not DEV_FILE.exists() or not TRAIN_FILE.exists():
        pytest.skip(f"real XOR-TyDi question files not found in {SHARED}")
    return read_xor_questions(DEV_FILE), read_xor_questions(TRAIN_FILE)


# ------------------------------------------------------------------------------------------ real questions


@needs_real
def test_real_question_files_load_with_the_published_counts(real_questions):
    (dev, dev_stripped), (train, train_stripped) = real_questions
    assert question_counts(dev) == {"ar": 350, "bn": 312, "fi": 360, "ja": 296, "ko": 299, "ru": 255, "te": 238}
    assert question_counts(train) == {"ar": 2574, "bn": 2582, "fi": 2088, "ja": 2288, "ko": 2469, "ru": 1941, "te": 1308}
    assert (len(dev), len(train)) == (2110, 15250)
    assert sum(1 for q in dev if not answerable(q.answers)) == 182
    assert sum(1 for q in train if not answerable(q.answers)) == 1214
    # the released train file writes every Arabic code as " ar"; nothing else is touched
    assert (dev_stripped, train_stripped) == (0, 2574)
    assert {q.split for q in dev} == {"dev"} and {q.split for q in train} == {"train"}
    # answers are kept byte for byte (the official evaluation matches raw substrings)
    assert any(a != a.strip() for q in dev for a in q.answers)


@needs_real
def test_real_question_files_match_the_pinned_checksums():
    config = yaml.safe_load((REPO / "config" / "xor_tydi.yaml").read_text())["data"]["xor_tydi"]["files"]
    readme = (SHARED / "README.md").read_text()
    for name, path in (("dev_questions", DEV_FILE), ("train_questions", TRAIN_FILE)):
        pinned = config[name]["sha256"]
        assert pinned in readme and config[name]["filename"] == path.name
        assert verify_checksum(path, pinned) == pinned


def test_question_reader_strips_codes_only_and_names_the_original_file(tmp_path):
    path = tmp_path / "q.jsonl"
    rows = [{"id": "1", "question": "Q?", "answers": ["A"], "lang": " ar", "split": "train"},
            {"id": "2", "question": "Q2?", "answers": ["yes"], "lang": "te", "split": "train"}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    questions, stripped = read_xor_questions(path)
    assert stripped == 1 and [q.lang for q in questions] == ["ar", "te"]
    path.write_text(path.read_text() + json.dumps({**rows[0], "id": "3", "lang": "en"}) + "\n", encoding="utf-8")
    with pytest.raises(InputFormatError) as error:
        read_xor_questions(path)
    assert error.value.path == str(path) and error.value.line == 3 and error.value.field == "lang"
    assert str(error.value) == f"{path}, line 3, field 'lang': unknown language code 'en'"


# ------------------------------------------------------------------------------------------ DPR TSV style


def test_dpr_tsv_quoting_is_read_by_iter_passages(tmp_path):
    # psgs_w100.tsv / enwiki_20190201_w100.tsv: header, text quoted with doubled quotes where it has quotes
    path = tmp_path / "w100.tsv"
    path.write_text('id\ttext\ttitle\n'
                    '1\t"Aaron Aaron ( or ; ""Ahärôn"") is a prophet, high priest, and the brother of Moses."\tAaron\n'
                    '2\tPlain text, no quotes.\t"""Weird Al"" Yankovic"\n'
                    '3\t"Ends with a quote ""x"""\tTitle with "inner" quotes\n', encoding="utf-8")
    assert list(iter_passages(path)) == [
        Passage("1", "Aaron", 'Aaron Aaron ( or ; "Ahärôn") is a prophet, high priest, and the brother of Moses.'),
        Passage("2", '"Weird Al" Yankovic', "Plain text, no quotes."),
        Passage("3", 'Title with "inner" quotes', 'Ends with a quote "x"'),
    ]


# ------------------------------------------------------------------------------------------ matching rule


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


def test_article_title_decodes_the_gold_paragraph_key():
    assert article_title("title:Portland, Oregon_parentSection:History_sectionName:Early_sectionIndex:2") == "Portland, Oregon"
    assert article_title("Plain Title ") == "Plain Title"


def test_generator_pairs_one_per_question_and_dev_excludes_train():
    from xqg.xor_tydi.gold_paragraphs import GoldParagraph

    a = GoldParagraph("1", "ja", "質問?", "T", "para one", ("x",))
    b = GoldParagraph("1", "ja", "質問?", "T", "para two", ("x",))
    c = GoldParagraph("2", "fi", "Kysymys?", "U", "para three", ())
    assert generator_pairs([a, b, c]) == [
        {"passage_id": paragraph_id("T", "para one"), "lang": "ja", "question": "質問?", "title": "T", "text": "para one"},
        {"passage_id": paragraph_id("U", "para three"), "lang": "fi", "question": "Kysymys?", "title": "U", "text": "para three"},
    ]
    assert [p["question"] for p in generator_pairs([a, c], exclude_question_ids={"1"})] == ["Kysymys?"]


# ------------------------------------------------------------------------------------------ NQ


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


# ------------------------------------------------------------------------------------------ sub-corpus sampling


def test_distractor_sampling_is_seeded_exact_and_in_corpus_order():
    a, b, c = sample_distractors(1000, 50, 13), sample_distractors(1000, 50, 13), sample_distractors(1000, 50, 14)
    assert len(set(a.tolist())) == 50 and (a == b).all() and not (a == c).all()
    assert list(a) == sorted(a)
    assert sample_distractors(1000, None, 13) is None
    with pytest.raises(ValueError, match="only 10 non-gold"):
        sample_distractors(10, 11, 0)
    corpus = [Passage(str(i), "t", "x") for i in range(10)]
    kept = [p.id for p in subcorpus_passages(corpus, {"3", "7"}, sample_distractors(8, 2, 0))]
    assert len(kept) == 4 and {"3", "7"} <= set(kept) and kept == sorted(kept, key=int)


# ------------------------------------------------------------------------------------------ end to end

GREEK = "αβγδεζηθικλμνξοπρστυφχψω"


def _filler(rng: random.Random, n: int) -> list[str]:
    # answers are English; Greek filler cannot contain one by accident
    return ["".join(rng.choice(GREEK) for _ in range(5)) for _ in range(n)]


def _dpr_row(pid: str, text: str, title: str) -> str:
    quoted = lambda s: '"' + s.replace('"', '""') + '"' if '"' in s else s  # noqa: E731
    return f"{pid}\t{quoted(text)}\t{quoted(title)}\n"


def build_world(tmp_path: Path, dev, train, n_filler: int = 3000):
    """A corpus with planted gold chunks for some real questions, the gold-paragraph zip, an NQ file.

    Returns the inputs and the expected qrels/English positives."""
    rng = random.Random(0)
    picked = {"train": [q for q in train if answerable(q.answers) and len(q.answers[0]) >= 3][:40]
              + [q for q in train if not answerable(q.answers)][:5],
              "dev": [q for q in dev if answerable(q.answers) and len(q.answers[0]) >= 3][:25]}
    rows, squad = [], {"train": [], "dev": []}
    expected = {"train": {}, "dev": {}}
    pid = 0

    def add(text: str, title: str) -> str:
        nonlocal pid
        pid += 1
        rows.append(_dpr_row(str(pid), text, title))
        return str(pid)

    for _ in range(n_filler // 2):
        add(" ".join(_filler(rng, 100)) + ' said ""x""'.replace('""', '"'), f"Filler {pid}")
    for split in ("train", "dev"):
        for k, q in enumerate(picked[split]):
            title = f"Gold {split} {k}"
            first, second = _filler(rng, 30), _filler(rng, 25)
            answer = answerable(q.answers)[0] if answerable(q.answers) else None
            paragraph = " ".join(first + ([answer] if answer else []) + second)
            add(" ".join(_filler(rng, 90)), title)  # same article, no overlap: never gold
            a = add(" ".join(_filler(rng, 60) + first + ([answer] if answer else [])), title)
            b = add(" ".join(second + _filler(rng, 70)), title)
            add(paragraph, "Some Other Article")  # identical text, other title: never gold
            expected[split][q.id] = {a} if answer else {a, b}
            squad[split].append({"title": f"title:{title}_parentSection:Intro_sectionName:Intro_sectionIndex:{k}",
                                 "paragraphs": [{"context": paragraph + "\n", "qas": [{
                                     "id": q.id, "question": q.text, "lang": f" {q.lang}",
                                     "answers": [{"text": answer, "answer_start": paragraph.find(answer)}] if answer else []}]}]})
    # NQ: positives cut at other boundaries (another dump), located by overlap + answer
    nq_lines, expected_en = [], {}
    for k in range(4):
        title, words = f"NQ Article {k}", _filler(rng, 120)
        words[50] = "Answer"
        c1 = add(" ".join(words[:100]), title)
        add(" ".join(words[100:] + _filler(rng, 80)), title)
        expected_en[f"nq{k}"] = [c1]
        nq_lines.append({"query_id": f"nq{k}", "query": f"question {k}", "answers": ["Answer"],
                         "positive_passages": [{"docid": f"d{k}", "title": title, "text": " ".join(words[5:105])}],
                         "negative_passages": [{"docid": "n", "title": "t", "text": "unused"}]})
    nq_lines.append({"query_id": "nq-missing", "query": "lost", "answers": ["zzz"],
                     "positive_passages": [{"docid": "m", "title": "Nowhere", "text": "not in this corpus at all, anywhere"}]})
    for _ in range(n_filler - n_filler // 2):
        add(" ".join(_filler(rng, 100)), f"Filler {pid}")

    corpus = tmp_path / "enwiki_20190201_w100.tsv"
    corpus.write_text("id\ttext\ttitle\n" + "".join(rows), encoding="utf-8")
    gp = tmp_path / "tydi_xor_gp.zip"
    with zipfile.ZipFile(gp, "w") as archive:
        for split in ("train", "dev"):
            archive.writestr(f"tydi_xor_gp/gp_squad_{split}_data.json", json.dumps({"data": squad[split], "version": "1"}))
    nq = tmp_path / "nq-train.jsonl.gz"
    with gzip.open(nq, "wt", encoding="utf-8") as handle:
        handle.writelines(json.dumps(r) + "\n" for r in nq_lines)
    inputs = XorTydiInputs(dev=DEV_FILE, train=TRAIN_FILE, gold_paragraphs=gp, corpus=corpus, nq_train=nq)
    return inputs, expected, expected_en, squad


def _outputs(folder: Path) -> XorTydiOutputs:
    names = dict(corpus="corpus.tsv", dev="questions.dev.jsonl", train="questions.train.jsonl", qrels_dev="qrels.dev.tsv",
                 qrels_train="qrels.train.tsv", pairs_train="generator_pairs.train.jsonl",
                 pairs_dev="generator_pairs.dev.jsonl", english_train="english_train.jsonl", readme="README.md")
    return XorTydiOutputs.from_mapping({k: folder / v for k, v in names.items()})


@pytest.fixture(scope="module")
def world(tmp_path_factory, real_questions):
    (dev, _), (train, _) = real_questions
    return build_world(tmp_path_factory.mktemp("world"), dev, train)


CHECKSUMS = {"dev_questions": "cfe569e4c6d3539c2111d97249f900318f9273b246a61fff95216ce2a2e1505c",
             "train_questions": "f0c8202eebcef9fc129c9bb8e7a12fae1a7648163b249dc0a06df4318923f70b",
             "gold_paragraphs": None, "corpus": None, "nq_train": None}


def test_gold_paragraph_zip_in_the_released_layout(world):
    inputs, expected, _, squad = world
    gp = read_gold_paragraph_data(inputs.gold_paragraphs)
    assert [len(gp["train"]), len(gp["dev"])] == [45, 25]
    first = gp["train"][0]
    assert first.title == "Gold train 0" and first.lang == squad["train"][0]["paragraphs"][0]["qas"][0]["lang"].strip()
    assert first.text == squad["train"][0]["paragraphs"][0]["context"].strip()


@pytest.fixture(scope="module")
def prepared(world, tmp_path_factory):
    inputs = world[0]
    runs = {}
    for name, seed in (("a", 1), ("b", 1), ("c", 2)):
        out = _outputs(tmp_path_factory.mktemp(f"out-{name}"))
        runs[name] = (out, prepare_xor_tydi(inputs, out, {"distractors": 500, "seed": seed}, CHECKSUMS))
    return runs


def test_qrels_pairs_and_english_training_data(world, prepared):
    inputs, expected, expected_en, squad = world
    out, counts = prepared["a"]
    for split, path in (("train", out.qrels_train), ("dev", out.qrels_dev)):
        assert {qid: set(docs) for qid, docs in read_qrels(path).items()} == expected[split]
    pairs = [json.loads(line) for line in out.pairs_train.read_text(encoding="utf-8").splitlines()]
    assert len(pairs) == 45 and set(pairs[0]) == {"passage_id", "lang", "question", "title", "text"}
    assert pairs[0]["title"] == "Gold train 0" and "\n" not in pairs[0]["text"]
    assert len(out.pairs_dev.read_text(encoding="utf-8").splitlines()) == 25
    english = [json.loads(line) for line in out.english_train.read_text(encoding="utf-8").splitlines()]
    assert {e["id"]: e["positive_passage_ids"] for e in english} == expected_en  # the lost query is dropped
    assert counts["english_queries_read"] == 5 and counts["english_queries_kept"] == 4
    dev = read_questions(out.dev)
    train = read_questions(out.train)  # the written file is valid for the strict reader
    assert (len(dev), len(train)) == (2110, 15250) and counts["language_codes_stripped"] == 2574
    assert counts["xor_references"] == {"references": 70, "matched": 70, "with_answer": 65, "overlap_only": 5}


def test_subcorpus_keeps_gold_and_exactly_n_seeded_distractors(world, prepared):
    inputs, expected, expected_en, _ = world
    gold = set().union(*expected["train"].values(), *expected["dev"].values(), *map(set, expected_en.values()))
    ids = {name: [p.id for p in iter_passages(out.corpus)] for name, (out, _) in prepared.items()}
    all_ids = [p.id for p in iter_passages(inputs.corpus)]
    for name, (out, counts) in prepared.items():
        assert gold <= set(ids[name])
        assert len(ids[name]) == len(gold) + 500 == counts["subcorpus_passages"]
        assert counts["gold_passages"] == len(gold) and counts["distractors"] == 500
        assert ids[name] == [i for i in all_ids if i in set(ids[name])]  # corpus order
    assert ids["a"] == ids["b"]  # same seed, same sub-corpus
    assert set(ids["a"]) != set(ids["c"])  # another seed, other distractors
    assert (prepared["a"][0].corpus.read_bytes() == prepared["b"][0].corpus.read_bytes())
    readme = prepared["a"][0].readme.read_text(encoding="utf-8")
    assert "plus 500 distractors" in readme and "default_rng(1)" in readme and CHECKSUMS["dev_questions"] in readme


def test_whole_corpus_when_distractors_is_null(world, tmp_path):
    inputs = world[0]
    out = _outputs(tmp_path)
    counts = prepare_xor_tydi(inputs, out, {"distractors": None, "seed": 13}, CHECKSUMS)
    assert counts["subcorpus_passages"] == counts["corpus_passages"] == len(list(iter_passages(inputs.corpus)))
    assert list(iter_passages(out.corpus)) == list(iter_passages(inputs.corpus))


def test_pinned_checksum_mismatch_stops_before_any_output(world, tmp_path):
    out = _outputs(tmp_path)
    with pytest.raises(ChecksumError, match="enwiki_20190201_w100.tsv"):
        prepare_xor_tydi(world[0], out, {"distractors": 10, "seed": 1}, {**CHECKSUMS, "corpus": "0" * 64})
    assert list(tmp_path.iterdir()) == []


def test_qa_csv_as_english_input_stops_before_the_corpus_is_read(world, tmp_path):
    qa = tmp_path / "nq-train.qa.csv"
    qa.write_text("who wrote hamlet\t['William Shakespeare']\n", encoding="utf-8")
    inputs = XorTydiInputs.from_mapping({**vars(world[0]), "nq_train": qa, "corpus": tmp_path / "absent.tsv"})
    out = _outputs(tmp_path / "out")
    with pytest.raises(NoPositivesError, match="data.xor_tydi.files.nq_train"):
        prepare_xor_tydi(inputs, out, {"distractors": 10, "seed": 1}, CHECKSUMS)
    assert not (tmp_path / "out").exists()
