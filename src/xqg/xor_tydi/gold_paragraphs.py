"""The gold-paragraph data, ``tydi_xor_gp.zip``, and the generator's training pairs drawn from it.

The zip holds ``tydi_xor_gp/gp_squad_{train,dev}_data.json`` in SQuAD format:
``{"data": [{"title": "title:T_parentSection:..._sectionName:..._sectionIndex:i",
"paragraphs": [{"context", "qas": [{"id", "question", "lang", "answers": [{"text", "answer_start"}]}]}]}]}``
(the title encodes the article T; layout as read by DSI-QG's process_xorqa.py, the generator's data).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

from xqg.formats import InputFormatError
from xqg.languages import LANGUAGE_INFO


class GoldParagraph(NamedTuple):
    """One (question, English gold paragraph) annotation from the gold-paragraph data."""

    question_id: str
    lang: str
    question: str
    title: str  # the article title, decoded from the "title:..._parentSection:..." key
    text: str
    answers: tuple[str, ...]


def article_title(raw: str) -> str:
    """``"title:Portland, Oregon_parentSection:..."`` -> ``"Portland, Oregon"``; a plain title is kept."""
    title = raw.strip()
    if title.startswith("title:"):
        title = title[len("title:"):]
        end = title.find("_parentSection:")
        if end >= 0:
            title = title[:end]
    return title.strip()


def _clean_paragraph(text: str) -> str:
    return " ".join(text.split())  # newlines and tabs inside a paragraph become single spaces


def parse_gold_paragraphs(data: object, source: str) -> list[GoldParagraph]:
    """Gold paragraphs from one parsed SQuAD-format file; ``source`` names it in errors."""
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise InputFormatError(source, None, "data", "expected a SQuAD-format object with a 'data' list")
    out: list[GoldParagraph] = []
    for i, article in enumerate(data["data"]):
        where = f"data[{i}]"
        if not isinstance(article, dict) or not isinstance(article.get("title"), str):
            raise InputFormatError(source, None, f"{where}.title", "missing or not a string")
        title = article_title(article["title"])
        paragraphs = article.get("paragraphs")
        if not isinstance(paragraphs, list):
            raise InputFormatError(source, None, f"{where}.paragraphs", "missing or not a list")
        for j, paragraph in enumerate(paragraphs):
            pwhere = f"{where}.paragraphs[{j}]"
            context = paragraph.get("context") if isinstance(paragraph, dict) else None
            if not isinstance(context, str) or not context.strip():
                raise InputFormatError(source, None, f"{pwhere}.context", "missing or empty")
            qas = paragraph.get("qas")
            if not isinstance(qas, list):
                raise InputFormatError(source, None, f"{pwhere}.qas", "missing or not a list")
            for k, qa in enumerate(qas):
                qwhere = f"{pwhere}.qas[{k}]"
                if not isinstance(qa, dict):
                    raise InputFormatError(source, None, qwhere, "expected an object")
                qid, question, lang = qa.get("id"), qa.get("question"), qa.get("lang")
                if isinstance(qid, int) and not isinstance(qid, bool):
                    qid = str(qid)
                for name, value in (("id", qid), ("question", question), ("lang", lang)):
                    if not isinstance(value, str) or not value.strip():
                        raise InputFormatError(source, None, f"{qwhere}.{name}", "missing, empty or not a string")
                if lang.strip() not in LANGUAGE_INFO:
                    raise InputFormatError(source, None, f"{qwhere}.lang", f"unknown language code {lang!r}")
                answers = qa.get("answers", [])
                if not isinstance(answers, list) or not all(isinstance(a, dict) and isinstance(a.get("text"), str) for a in answers):
                    raise InputFormatError(source, None, f"{qwhere}.answers", "expected a list of {text, answer_start} objects")
                out.append(GoldParagraph(qid.strip(), lang.strip(), question.strip(), title, _clean_paragraph(context),
                                         tuple(a["text"] for a in answers)))
    return out


def read_gold_paragraph_data(path: str | os.PathLike) -> dict[str, list[GoldParagraph]]:
    """Read ``tydi_xor_gp.zip`` (or the folder it unpacks to) into {"train": [...], "dev": [...]}.

    The members are found by name: exactly one ``*train*.json`` and one ``*dev*.json``
    (``gp_squad_train_data.json``, ``gp_squad_dev_data.json`` in the release).
    """
    path = Path(path)

    def pick(names: Sequence[str], split: str) -> str:
        found = [n for n in names if n.endswith(".json") and split in Path(n).name and not Path(n).name.startswith(".")]
        if len(found) != 1:
            raise InputFormatError(path, None, None, f"expected one '*{split}*.json' member, found {found or 'none'} "
                                   f"among {sorted(names)}")
        return found[0]

    result: dict[str, list[GoldParagraph]] = {}
    if path.is_dir():
        names = [str(p.relative_to(path)) for p in path.rglob("*.json")]
        for split in ("train", "dev"):
            member = pick(names, split)
            with open(path / member, encoding="utf-8-sig") as handle:
                result[split] = parse_gold_paragraphs(_load_json(handle, path / member), str(path / member))
        return result
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise InputFormatError(path, None, None, "file not found") from None
    except zipfile.BadZipFile:
        raise InputFormatError(path, None, None, "not a zip archive (a truncated download?)") from None
    with archive:
        names = [n for n in archive.namelist() if not n.startswith("__MACOSX/")]
        for split in ("train", "dev"):
            member = pick(names, split)
            with archive.open(member) as raw:
                handle = io.TextIOWrapper(raw, encoding="utf-8-sig")
                result[split] = parse_gold_paragraphs(_load_json(handle, f"{path}!{member}"), f"{path}!{member}")
    return result


def _load_json(handle, source) -> object:
    try:
        return json.load(handle)
    except json.JSONDecodeError as error:
        raise InputFormatError(source, error.lineno, None, f"malformed JSON ({error.msg}, column {error.colno})") from None


def paragraph_id(title: str, text: str) -> str:
    """A stable id for a gold paragraph (not a corpus passage): a digest of its title and text."""
    return "gp-" + hashlib.sha1(f"{title}\n{text}".encode("utf-8")).hexdigest()[:16]


def generator_pairs(paragraphs: Iterable[GoldParagraph], exclude_question_ids: Iterable[str] = ()) -> list[dict]:
    """Generator training pairs: one per question (its first gold paragraph in file order), English gold
    paragraph -> the question in its language. Questions in ``exclude_question_ids`` are left out (dev
    pairs exclude questions that also appear in train, as DSI-QG's data script does)."""
    seen = set(exclude_question_ids)
    pairs = []
    for gp in paragraphs:
        if gp.question_id in seen:
            continue
        seen.add(gp.question_id)
        pairs.append({"passage_id": paragraph_id(gp.title, gp.text), "lang": gp.lang, "question": gp.question,
                      "title": gp.title, "text": gp.text})
    return pairs
