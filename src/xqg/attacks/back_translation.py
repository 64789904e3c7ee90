"""Model-based paraphrase attack: back-translation through English (query language -> en -> query
language) with a Hugging Face MT model (NLLB-200 or M2M100), candidates filtered by chrF bounds to the
original and by cosine similarity under a multilingual sentence encoder (LaBSE in the full study).

It is not a rule-based :class:`~xqg.attacks.base.Attack` (it needs two models and batches whole query
sets), so it is not in ``ATTACKS``; it writes the same :class:`AttackedQuery` records, which the encode,
search, evaluate and robustness stages read unchanged.

- **Budget** = round trips: budget b translates the query b times there and back, each round on the
  previous round's output (budget 1 = one round trip). A changed record has ``units_changed = b``. The
  rounds of one chain do not depend on the budget, so budgets are nested (budget 2 continues budget 1's
  text) and one pass over ``max(budgets)`` rounds serves every budget.
- **Samples and candidates**: sample s of a query is the first of ``candidates`` independent chains that
  passes the filters; when none does, the sample is the query unchanged (``changed=False``), exactly
  like a rule-based attack with nothing to change. Filters, in order: the text differs from the query,
  is non-empty and has no U+FFFD; its chrF to the query lies within ``chrf_bounds``; its cosine
  similarity to the query is at least ``min_similarity``.
- **Determinism**: every (query, sample, candidate, round, leg) decodes with its own ``torch.Generator``
  seeded from a stable hash (:func:`xqg.generation.sampling.stable_seed`) and the same seeded top-k
  sampler as query generation (:class:`~xqg.generation.sampling.SeededTopKSampler`; ``top_k: 1`` is
  greedy decoding). The generators draw on the CPU, so a record does not depend on batch size, batch
  composition, query order or device, up to float rounding of differently padded batches (a draw within
  ~1e-7 of a probability boundary could flip).
- **Similarity**: the cosine of the configured encoder's sentence vectors. A sentence-transformers model
  (its folder or hub repository has ``modules.json``, as ``sentence-transformers/LaBSE``) is run by
  sentence-transformers as its configuration defines: for LaBSE [CLS] -> Dense(768, tanh) -> normalise,
  so ``min_similarity`` is on the scale of LaBSE's published scores. Any other encoder goes through
  :class:`~xqg.encoder_spec.EncoderSpec` with normalised ``cls`` pooling, and the log says so.
- **Language codes**: NLLB uses FLORES-200 codes (``arb_Arab``), M2M100 ISO codes (``ar``, token
  ``__ar__``). Both NLLB-200 (dense) and M2M100 checkpoints have ``model_type`` ``m2m_100``, so the
  model type decides whether the architecture is supported and the tokenizer class decides the scheme.
"""

from __future__ import annotations

import functools
import logging
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from xqg.attacks.base import check_budget
from xqg.attacks.query_set_attack import AttackedQuery, chrf
from xqg.attacks.validity import answer_change
from xqg.checkpoints import from_pretrained
from xqg.formats import Question
from xqg.torch_runtime import autocast, resolve_device, resolve_precision

log = logging.getLogger(__name__)

ATTACK = "back_translation"
PIVOT = "en"
CONFIG_KEY = "attacks.model_paraphrase"

# Seq2seq architectures whose checkpoints take a source-language token and a forced target-language BOS.
SUPPORTED_MODEL_TYPES = frozenset({"m2m_100", "nllb-moe"})
NLLB_CODES = {
    "ar": "arb_Arab", "bn": "ben_Beng", "fi": "fin_Latn", "ja": "jpn_Jpan", "ko": "kor_Hang", "ru": "rus_Cyrl",
    "te": "tel_Telu", "en": "eng_Latn",
}
M2M100_CODES = {lang: lang for lang in ("ar", "bn", "fi", "ja", "ko", "ru", "te", "en")}
TOKENIZER_SCHEMES = {"NllbTokenizer": "nllb", "NllbTokenizerFast": "nllb", "M2M100Tokenizer": "m2m100"}
VERDICTS = ("accepted", "identical", "invalid", "chrf_below", "chrf_above", "changes_answer", "dissimilar")


def language_code(scheme: str, lang: str) -> str:
    """The code a tokenizer's ``src_lang`` takes for ``lang`` under ``scheme`` ("nllb" or "m2m100")."""
    codes = {"nllb": NLLB_CODES, "m2m100": M2M100_CODES}.get(scheme)
    if codes is None:
        raise ValueError(f"unknown language-code scheme {scheme!r}; expected 'nllb' or 'm2m100'")
    if lang not in codes:
        raise ValueError(f"back-translation has no {scheme} code for language {lang!r}; known: {sorted(codes)}")
    return codes[lang]


def language_token(scheme: str, lang: str) -> str:
    """The vocabulary token of ``lang``: the FLORES code itself for NLLB, ``__xx__`` for M2M100."""
    code = language_code(scheme, lang)
    return f"__{code}__" if scheme == "m2m100" else code


# ----------------------------------------------------------------------------- settings

@dataclass(frozen=True)
class BackTranslationSettings:
    """``attacks.model_paraphrase`` (see schemas/config.schema.yaml)."""

    model: str  # MT model: hub id or local folder
    similarity_model: str  # multilingual sentence encoder: hub id or local folder
    min_similarity: float = 0.8
    chrf_bounds: tuple[float, float] = (20.0, 95.0)
    candidates: int = 4  # chains tried per sample; the first that passes the filters is kept
    top_k: int = 10  # 1 = greedy
    max_new_tokens: int = 64
    max_input_length: int = 128
    batch_size: int = 32  # rows (query x sample x candidate) per generate call
    precision: str = "auto"  # auto | fp32 | bf16 | fp16 (fp16 on CUDA only)
    device: str = "auto"  # auto = cuda when available, else cpu
    budgets: tuple[int, ...] = (1,)  # round trips; one query set per budget

    def __post_init__(self) -> None:
        def fail(key: str, why: str):
            raise ValueError(f"config {CONFIG_KEY}.{key}: {why}")

        for key in ("model", "similarity_model"):
            value = getattr(self, key)
            if not isinstance(value, str) or not value:
                fail(key, f"expected a hub id or a local folder, got {value!r}")
        if not -1.0 <= self.min_similarity <= 1.0:
            fail("min_similarity", f"expected a cosine in [-1, 1], got {self.min_similarity}")
        low, high = self.chrf_bounds
        if not 0.0 <= low <= high <= 100.0:
            fail("chrf_bounds", f"expected [low, high] with 0 <= low <= high <= 100, got {list(self.chrf_bounds)}")
        for key in ("candidates", "top_k", "max_new_tokens", "max_input_length", "batch_size"):
            if not isinstance(getattr(self, key), int) or getattr(self, key) < 1:
                fail(key, f"expected a positive integer, got {getattr(self, key)!r}")
        if self.precision not in ("auto", "fp32", "bf16", "fp16"):
            fail("precision", f"expected auto, fp32, bf16 or fp16, got {self.precision!r}")
        if not self.budgets:
            fail("budgets", "expected at least one budget (round trips)")
        for budget in self.budgets:
            check_budget(budget)

    @classmethod
    def from_config(cls, section: Mapping) -> "BackTranslationSettings":
        """From the config section; a null ``model`` is an error here (the workflow skips the attack)."""
        known = {f.name for f in fields(cls)} - {"device"}
        unknown = sorted(set(section) - known)
        if unknown:
            raise ValueError(f"config {CONFIG_KEY}.{unknown[0]}: unknown key; expected among {sorted(known)}")
        values = dict(section)
        if "chrf_bounds" in values:
            values["chrf_bounds"] = tuple(values["chrf_bounds"])
            if len(values["chrf_bounds"]) != 2:
                raise ValueError(f"config {CONFIG_KEY}.chrf_bounds: expected [low, high], got {section['chrf_bounds']!r}")
        if "budgets" in values:
            values["budgets"] = tuple(values["budgets"])
        return cls(**values)


# ----------------------------------------------------------------------------- the MT model

class Translator:
    """A loaded NLLB/M2M100 model that translates batches with per-row seeded top-k sampling."""

    def __init__(self, tokenizer, model, scheme: str, device: torch.device, precision: str, name: str = ""):
        self.tokenizer, self.model, self.scheme = tokenizer, model, scheme
        self.device, self.precision, self.name = device, precision, name or model.config.name_or_path

    def token_id(self, lang: str) -> int:
        token = language_token(self.scheme, lang)
        token_id = self.tokenizer.convert_tokens_to_ids(token)
        if token_id is None or token_id == self.tokenizer.unk_token_id:
            raise ValueError(f"{self.name}: the tokenizer has no language token {token!r} (language {lang!r})")
        return token_id

    @torch.inference_mode()
    def translate(self, texts: Sequence[str], src: str, tgt: str, seeds: Sequence[int], *, top_k: int,
                  max_new_tokens: int, max_input_length: int, batch_size: int) -> list[str]:
        """Translate ``texts`` from ``src`` to ``tgt``; row i samples with a generator seeded ``seeds[i]``."""
        from transformers import GenerationConfig, LogitsProcessorList

        from xqg.batching import length_sorted_batches
        from xqg.generation.sampling import SeededTopKSampler

        if len(texts) != len(seeds):
            raise ValueError(f"{len(texts)} texts but {len(seeds)} seeds")
        if not texts:
            return []
        self.token_id(src)  # a missing source token would otherwise be encoded as <unk>
        self.tokenizer.src_lang = language_code(self.scheme, src)
        encoded = self.tokenizer(list(texts), truncation=True, max_length=max_input_length)["input_ids"]
        config = self.model.config
        generation = GenerationConfig(
            do_sample=False, num_beams=1, max_new_tokens=max_new_tokens, forced_bos_token_id=self.token_id(tgt),
            eos_token_id=config.eos_token_id, pad_token_id=config.pad_token_id,
            decoder_start_token_id=config.decoder_start_token_id,
        )
        out: list[str] = [""] * len(texts)
        for batch in length_sorted_batches([len(ids) for ids in encoded], batch_size):
            inputs = self.tokenizer.pad({"input_ids": [encoded[i] for i in batch]}, return_tensors="pt").to(self.device)
            sampler = SeededTopKSampler([torch.Generator().manual_seed(seeds[i]) for i in batch], top_k)
            with autocast(self.device, self.precision):
                generated = self.model.generate(**inputs, generation_config=generation,
                                                logits_processor=LogitsProcessorList([sampler]))
            for i, text in zip(batch, self.tokenizer.batch_decode(generated, skip_special_tokens=True)):
                out[i] = unicodedata.normalize("NFC", text.strip())
        return out


def translation_scheme(tokenizer, model_name: str) -> str:
    """"nllb" or "m2m100" from the tokenizer class (NLLB-200 and M2M100 share ``model_type`` m2m_100)."""
    name = type(tokenizer).__name__
    if name not in TOKENIZER_SCHEMES:
        raise ValueError(f"{model_name}: tokenizer class {name} has no known language codes; "
                         f"back-translation supports {sorted(TOKENIZER_SCHEMES)}")
    return TOKENIZER_SCHEMES[name]


def load_translator(model: str, *, device: str = "auto", precision: str = "auto") -> Translator:
    """Load an NLLB or M2M100 model: never trust_remote_code, safetensors or checked pickle weights
    (``xqg.checkpoints``). The model type is checked before any weights are read."""
    from transformers import AutoConfig, AutoModelForSeq2SeqLM, AutoTokenizer

    local = Path(model).is_dir()
    config = AutoConfig.from_pretrained(model, trust_remote_code=False, local_files_only=local)
    if config.model_type not in SUPPORTED_MODEL_TYPES:
        raise ValueError(f"config {CONFIG_KEY}.model: {model} is a {config.model_type!r} model; back-translation "
                         f"supports {sorted(SUPPORTED_MODEL_TYPES)} (NLLB-200, M2M100)")
    tokenizer = AutoTokenizer.from_pretrained(model, trust_remote_code=False, local_files_only=local)
    scheme = translation_scheme(tokenizer, model)
    torch_device = resolve_device(device)
    network = from_pretrained(AutoModelForSeq2SeqLM, model, what=f"config {CONFIG_KEY}.model {model!r}",
                              local_files_only=local)
    return Translator(tokenizer, network.to(torch_device).eval(), scheme, torch_device,
                      resolve_precision(torch_device, precision), model)


# ----------------------------------------------------------------------------- the attack

@dataclass(frozen=True)
class _Row:
    question: int  # index into the question list
    sample: int
    candidate: int


def _row_seed(seed: int, qid: str, row: _Row, round_: int, leg: str) -> int:
    from xqg.generation.sampling import stable_seed

    # No budget in the key: budgets are nested rounds of one chain (see the module docstring).
    return stable_seed(seed, ATTACK, qid, row.sample, row.candidate, round_, leg)


def _verdict(text: str, original: str, bounds: tuple[float, float]) -> tuple[str, float]:
    if text == original:
        return "identical", 100.0
    if not text.strip() or "\ufffd" in text:
        return "invalid", 0.0
    score = chrf(text, original)
    if score < bounds[0]:
        return "chrf_below", score
    if score > bounds[1]:
        return "chrf_above", score
    return "accepted", score


def _similarities(originals: Sequence[str], texts: Sequence[str], settings: BackTranslationSettings) -> list[float]:
    """Cosine of each (original, text) pair under the similarity encoder (module docstring)."""
    if not texts:
        return []
    vectors = _sentence_vectors([*originals, *texts], settings)
    vectors = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    left, right = vectors[: len(originals)], vectors[len(originals):]
    return [float(x) for x in (left * right).sum(axis=1)]


def is_sentence_transformer(model: str) -> bool:
    """Whether ``model`` (a folder, or a hub id: its cached files, or the hub when online) has modules.json."""
    if Path(model).is_dir():
        return (Path(model) / "modules.json").is_file()
    from huggingface_hub import constants, hf_hub_download, try_to_load_from_cache
    from huggingface_hub.errors import EntryNotFoundError

    cached = try_to_load_from_cache(model, "modules.json")
    if cached is not None or constants.HF_HUB_OFFLINE:
        return isinstance(cached, str)  # a cached file, a cached absence, or offline with nothing cached
    try:
        hf_hub_download(model, "modules.json")
    except EntryNotFoundError:
        return False
    return True


@functools.lru_cache(maxsize=2)
def _sentence_transformer(model: str, device: str):
    """Loaded once per job and device (back-translation filters once per round)."""
    from sentence_transformers import SentenceTransformer

    loaded = SentenceTransformer(model, device=device, trust_remote_code=False)
    log.info("similarity: %s as its sentence-transformers modules define (%s)", model,
             " -> ".join(type(module).__name__ for module in loaded))
    return loaded


def _sentence_vectors(texts: list[str], settings: BackTranslationSettings) -> np.ndarray:
    return sentence_vectors(texts, settings.similarity_model, device=settings.device, precision=settings.precision,
                            batch_size=settings.batch_size, max_length=settings.max_input_length)


def sentence_vectors(texts: list[str], model: str, *, device: str, precision: str, batch_size: int,
                     max_length: int) -> np.ndarray:
    """Sentence vectors of ``texts`` under a similarity encoder (module docstring), not yet normalised."""
    if is_sentence_transformer(model):
        resolved = resolve_device(device)
        encoder = _sentence_transformer(model, str(resolved))
        encoder.max_seq_length = max_length
        with autocast(resolved, resolve_precision(resolved, precision)):
            return np.asarray(encoder.encode(texts, batch_size=batch_size, convert_to_numpy=True,
                                             show_progress_bar=False), dtype=np.float32)
    from xqg.encoder_spec import EncoderSpec
    from xqg.encoding import encode_texts

    log.info("similarity: %s is no sentence-transformers model: its normalised [CLS] vector", model)
    # normalised by the caller
    spec = EncoderSpec(model, pooling="cls", normalize=False, max_query_length=max_length)
    return encode_texts(texts, spec, kind="query", batch_size=batch_size, precision=precision, device=device,
                        progress=False)


def back_translate(
    questions: Sequence[Question], settings: BackTranslationSettings, n_samples: int, seed: int, *,
    translator: Translator | None = None, progress: bool = False,
) -> tuple[dict[int, list[AttackedQuery]], dict[int, Counter]]:
    """Attack every question ``n_samples`` times for each of ``settings.budgets``; returns (records by
    budget, candidate verdict counts by budget: accepted, identical, invalid, chrf_below, chrf_above,
    changes_answer, dissimilar). ``translator`` is a loaded MT model (default: load ``settings.model``)."""
    budgets = sorted(set(settings.budgets))
    if n_samples < 1:
        raise ValueError(f"n_samples must be >= 1, got {n_samples}")
    translator = translator or load_translator(settings.model, device=settings.device, precision=settings.precision)
    options = dict(top_k=settings.top_k, max_new_tokens=settings.max_new_tokens,
                   max_input_length=settings.max_input_length, batch_size=settings.batch_size)
    rows = [_Row(q, s, c) for q in range(len(questions)) for s in range(n_samples) for c in range(settings.candidates)]
    texts = [questions[row.question].text for row in rows]
    pivots: list[list[str]] = [[] for _ in rows]
    texts_at: dict[int, list[str]] = {}
    languages = sorted({q.lang for q in questions})
    bar = tqdm(total=budgets[-1] * len(languages), desc=f"{ATTACK} rounds x languages", disable=not progress)
    for round_ in range(1, budgets[-1] + 1):
        for lang in languages:
            index = [i for i, row in enumerate(rows) if questions[row.question].lang == lang]
            qids = [questions[rows[i].question].id for i in index]
            english = translator.translate([texts[i] for i in index], lang, PIVOT,
                                           [_row_seed(seed, qid, rows[i], round_, "to_en") for i, qid in zip(index, qids)],
                                           **options)
            back = translator.translate(english, PIVOT, lang,
                                        [_row_seed(seed, qid, rows[i], round_, "back") for i, qid in zip(index, qids)],
                                        **options)
            for i, pivot, text in zip(index, english, back):
                pivots[i].append(pivot)
                texts[i] = text
            bar.update(1)
        if round_ in budgets:
            texts_at[round_] = list(texts)
    bar.close()
    records, verdicts = {}, {}
    for budget in budgets:
        records[budget], verdicts[budget] = _filter(questions, rows, texts_at[budget], pivots, budget, n_samples, settings)
    return records, verdicts


def _filter(questions: Sequence[Question], rows: Sequence[_Row], texts: Sequence[str], pivots: Sequence[list[str]],
            budget: int, n_samples: int, settings: BackTranslationSettings) -> tuple[list[AttackedQuery], Counter]:
    verdicts: list[str] = []
    scores: list[float] = []
    for row, text in zip(rows, texts):
        question = questions[row.question]
        verdict, score = _verdict(text, question.text, settings.chrf_bounds)
        if verdict == "accepted" and answer_change(question.text, text, question.answers):
            verdict = "changes_answer"  # the validity gate (xqg.attacks.validity)
        verdicts.append(verdict)
        scores.append(score)
    passed = [i for i, v in enumerate(verdicts) if v == "accepted"]
    similarity = dict(zip(passed, _similarities([questions[rows[i].question].text for i in passed],
                                                [texts[i] for i in passed], settings)))
    for i, cosine in similarity.items():
        if cosine < settings.min_similarity:
            verdicts[i] = "dissimilar"
    chosen: dict[tuple[int, int], int] = {}
    for i, row in enumerate(rows):  # rows are in candidate order within (question, sample)
        if verdicts[i] == "accepted":
            chosen.setdefault((row.question, row.sample), i)
    records = []
    for q, question in enumerate(questions):
        for sample in range(n_samples):
            i = chosen.get((q, sample))
            if i is None:
                records.append(AttackedQuery(question.id, question.lang, sample, question.text, question.text, False, 0,
                                             chrf(question.text, question.text), (), ATTACK, budget))
                continue
            edits = tuple(f"{ATTACK}:round {r} via {PIVOT} {p!r}" for r, p in enumerate(pivots[i][:budget], 1))
            edits += (f"{ATTACK}:candidate {rows[i].candidate}, similarity {similarity[i]:.3f}",)
            records.append(AttackedQuery(question.id, question.lang, sample, question.text, texts[i], True, budget,
                                         scores[i], edits, ATTACK, budget))
    return records, Counter(verdicts)
