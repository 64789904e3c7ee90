"""Build the R@kt test vectors: cases scored by XOR-TyDi's official scorer, one question at a time.

The official script (AkariAsai/XORQA, ``evals/eval_xor_retrieve.py``) is not part of this repository;
fetch it and pass its path. It is imported and its ``evaluate_top_k_hit`` is called on one prediction
at a time, so that its per-language counts give each question's outcome. Its ``nltk.word_tokenize``
runs on the English Punkt tables that :mod:`xqg.word_tokenize` writes in NLTK's own layout.

    python tests/data/xor_eval_vectors/build_vectors.py /tmp/XORQA/evals/eval_xor_retrieve.py \
        ../shared/data/xor_tydi/xor_dev_retrieve_eng_span_v1_1.jsonl

Writes ``synthetic.json`` (passages, questions written here, rankings, official outcomes) and
``real_dev.json`` (rankings and official outcomes for the real dev questions, referenced by id: their
text and answers stay in the shared data file; a ranking item ``plant:<passage>:<word>:<answer>``
is that passage with the question's answer number <answer> inserted before word <word>).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import sys
import tempfile
import types
from pathlib import Path

import nltk

from xqg.files import atomic_open
from xqg.formats import read_questions
from xqg.languages import LANGUAGES
from xqg.word_tokenize import word_tokenize, write_punkt_tab

HERE = Path(__file__).resolve().parent
SMALL_BUDGETS = (20, 50, 200)
LARGE_BUDGETS = (2000, 5000)

WORDS = (
    "the of and to in a was is for on as by with he that at from his it an were are which this be or has "
    "had first also new one their its after but who not they have her she two been other when there all "
    "during into school time may years more most only over city some world would where later up such used "
    "many can state about national out known university united then made river county team film village "
    "war population station church album party government music people north south series season league "
    "Paris London Tokyo Helsinki Moscow Seoul Cairo Dhaka Hyderabad Smith Johnson O'Neill McDonald "
    "1,000 2,500,000 1990s 3.5 40.75% $3.88 $50,000 3:00 No. 7 19th 2nd co-op well-known long-term "
    "Mr. Mrs. Dr. St. Jan. Feb. U.S. U.K. e.g. i.e. etc. vs. Inc. Ltd. Ph.D. a.m. p.m. Gen. Prof. "
    "don't can't won't it's isn't they're we've I'd cannot gonna "
    '"quoted" \'single\' (parenthetical) [bracketed] {braced} <angled> — – ... ; : , ? ! & @ # * '
    "naïve café Zürich São Ångström Œuvre ﬁne"
).split()


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(4, 22))]
    words[0] = words[0][:1].upper() + words[0][1:]
    return " ".join(words) + rng.choice([".", ".", ".", "?", "!", "", "...", '."', ".)"])


def passage(rng: random.Random, words: int) -> str:
    sentences: list[str] = []
    while sum(len(s.split()) for s in sentences) < words:
        sentences.append(sentence(rng))
    return rng.choice([" ", " ", "  ", "\n"]).join(sentences)


def load_official(script: Path):
    sys.modules.setdefault("jsonlines", types.ModuleType("jsonlines"))  # only its file reader uses it
    spec = importlib.util.spec_from_file_location("official_eval_xor_retrieve", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.tqdm = lambda iterable: iterable  # silence its progress bar: we call it once per question
    return module


def official_outcomes(module, qid: str, lang: str, answers: list[str], texts: list[str], budgets) -> dict[str, int] | None:
    """{budget: hit} as the official scorer decides, or None when it skips the question."""
    outcomes: dict[str, int] = {}
    for budget in budgets:
        result = module.evaluate_top_k_hit([{"id": qid, "lang": lang, "ctxs": texts}], {qid: answers}, budget)
        if not result:
            return None
        outcomes[str(budget)] = result[lang]["hit"]
    return outcomes


def plant(text: str, answer: str, word: int) -> str:
    words = text.split(" ")
    return " ".join(words[:word] + [answer] + words[word:])


def synthetic_cases(rng: random.Random, pool: dict[str, str], module) -> tuple[list[dict], list[dict]]:
    ids = [pid for pid in pool if pool[pid].strip()]
    questions: list[dict] = []
    cases: list[dict] = []

    def add(answers: list[str], ranking: list[str], budgets=SMALL_BUDGETS + LARGE_BUDGETS, note: str = "") -> None:
        qid = f"syn-{len(questions):04d}"
        lang = LANGUAGES[len(questions) % len(LANGUAGES)]
        questions.append({"id": qid, "question": f"synthetic question {len(questions)}", "answers": answers, "lang": lang, "split": "dev"})
        texts = [pool[pid] for pid in ranking]
        cases.append({"qid": qid, "note": note, "ranking": ranking, "budgets": list(budgets),
                      "official": official_outcomes(module, qid, lang, answers, texts, budgets)})

    # Answers at the token boundary N: inside (ends at token N) and across it (ends at token N + 1).
    for budget in (20, 50, 200):
        for _ in range(6):
            first = rng.choice(ids)
            ranking = [first] + rng.sample(ids, 3)
            tokens = [t for pid in ranking for t in word_tokenize(pool[pid])]
            if len(tokens) <= budget + 1:
                continue
            add([" ".join(tokens[budget - 2 : budget])], ranking, (budget,), "answer ends at token N")
            add([" ".join(tokens[budget - 1 : budget + 1])], ranking, (budget,), "answer crosses token N")
            add([tokens[budget - 1][:-1] or tokens[budget - 1]], ranking, (budget,), "answer is a prefix of token N")
    # Raw spans of passage text: punctuation the tokenizer splits ($3.88, don't, "quoted") miss unless it does not.
    for _ in range(160):
        source = rng.choice(ids)
        words = pool[source].split()
        start = rng.randrange(len(words))
        answer = " ".join(words[start : start + rng.randint(1, 3)])
        ranking = rng.sample(ids, rng.randint(1, 60))
        if rng.random() < 0.7 and source not in ranking:
            ranking.insert(rng.randrange(len(ranking) + 1), source)
        add([answer], ranking, note="raw span of a passage")
    # Tricky answers, each against random rankings.
    tricky = [["$3.88"], ["$ 3.88"], ["do n't"], ["don't"], ["U.S."], ["U.S"], ["Dr. Smith"], ["``"], ["''"],
              ['"quoted"'], ["quoted"], ["paris"], ["Paris"], ["yes"], ["no"], ["yes", "no"], ["yes", "Paris"],
              ["no", "zzz-not-there"], [""], ["40.75 %"], ["40.75%"], ["... "], ["Ph.D."], ["etc ."], ["etc."],
              ["naïve"], ["café"], ["ﬁne"], ["St. Jan."], ["can not"], ["cannot"]]
    for answers in tricky:
        for length in (1, 3, 45):
            add(list(answers), rng.sample(ids, length), note="tricky answer")
    # Whitespace-only passages contribute no token and no space; short rankings never reach N.
    blank = [pid for pid in pool if not pool[pid].strip()]
    for _ in range(10):
        ranking = rng.sample(ids, 3)
        ranking.insert(1, blank[0])
        tokens = [t for pid in ranking for t in word_tokenize(pool[pid])]
        add([" ".join(tokens[rng.randrange(5, 40) :][:3])], ranking, note="blank passage in the ranking")
    return questions, cases


def real_cases(rng: random.Random, pool: dict[str, str], module, questions_path: Path) -> list[dict]:
    ids = [pid for pid in pool if pool[pid].strip()]
    cases: list[dict] = []
    for index, question in enumerate(read_questions(questions_path)):
        large = index % 10 == 0
        ranking = rng.sample(ids, rng.randint(40, 50) if large else rng.randint(2, 8))
        if question.answers and rng.random() < 0.6:
            target = rng.randrange(len(ranking))
            words = len(pool[ranking[target]].split(" "))
            ranking[target] = f"plant:{ranking[target]}:{rng.randrange(words + 1)}:{rng.randrange(len(question.answers))}"
        texts = [resolve(item, pool, question.answers) for item in ranking]
        budgets = SMALL_BUDGETS + (LARGE_BUDGETS if large else ())
        cases.append({"qid": question.id, "ranking": ranking, "budgets": list(budgets),
                      "official": official_outcomes(module, question.id, question.lang, list(question.answers), texts, budgets)})
    return cases


def resolve(item: str, pool: dict[str, str], answers) -> str:
    if not item.startswith("plant:"):
        return pool[item]
    _, pid, word, answer = item.split(":")
    return plant(pool[pid], answers[int(answer)], int(word))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("official_script", type=Path)
    parser.add_argument("dev_questions", type=Path)
    parser.add_argument("--seed", type=int, default=20230723)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as punkt_root:
        nltk.data.path.insert(0, str(write_punkt_tab(punkt_root)))
        module = load_official(args.official_script)
        rng = random.Random(args.seed)
        pool = {f"p{i:03d}": passage(rng, rng.choice([8, 40, 100, 100, 120, 150])) for i in range(240)}
        pool["p-blank"] = "  \n "
        questions, cases = synthetic_cases(rng, pool, module)
        real = real_cases(rng, pool, module, args.dev_questions)

    provenance = {"script": "AkariAsai/XORQA evals/eval_xor_retrieve.py", "nltk": nltk.__version__, "seed": args.seed}
    with atomic_open(HERE / "synthetic.json") as handle:
        json.dump({"provenance": provenance, "passages": pool, "questions": questions, "cases": cases}, handle, ensure_ascii=False, indent=0)
    with atomic_open(HERE / "real_dev.json") as handle:
        json.dump({"provenance": provenance, "questions_file": args.dev_questions.name, "cases": real}, handle, ensure_ascii=False, indent=0)
    print(f"{len(cases)} synthetic cases, {len(real)} real dev cases")


if __name__ == "__main__":
    main()
