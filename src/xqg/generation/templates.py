"""A cheap baseline "generator": generic questions about the passage title, in each language.

Not a model: every query is one of eight fixed, entity-agnostic question frames ("What is {title}?",
"Where is {title} located?", ...) with the passage's English title filled in (the corpus is English, so
the title is not translated). It costs nothing, always names the passage's entity and is always in the
target script, which makes it a useful floor for what learned generators add. Our own phrasings, written
independently of the benchmark's question templates. Korean uses the written "은(는)" particle form
because the particle's choice depends on how the English title would be read.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence

from xqg.formats import GeneratedQueries, Passage
from xqg.languages import check_language
from xqg.generation.sampling import stable_seed

# The same eight frames in every language, in this order: what is, who or what is, where is it located,
# when was it founded, what is it known for, what is known about it, its history, in which country.
QUESTION_TEMPLATES: dict[str, tuple[str, ...]] = {
    "ar": ("ما هو {title}؟", "من أو ما هو {title}؟", "أين يقع {title}؟", "متى تأسس {title}؟",
           "بماذا يشتهر {title}؟", "ماذا تعرف عن {title}؟", "ما هو تاريخ {title}؟", "في أي دولة يقع {title}؟"),
    "bn": ("{title} কী?", "{title} কে বা কী?", "{title} কোথায় অবস্থিত?", "{title} কবে প্রতিষ্ঠিত হয়েছিল?",
           "{title} কিসের জন্য বিখ্যাত?", "{title} সম্পর্কে কী জানা যায়?", "{title}-এর ইতিহাস কী?", "{title} কোন দেশে অবস্থিত?"),
    "fi": ("Mikä on {title}?", "Kuka tai mikä on {title}?", "Missä {title} sijaitsee?", "Milloin {title} perustettiin?",
           "Mistä {title} tunnetaan?", "Mitä tiedetään aiheesta {title}?", "Mikä on aiheen {title} historia?",
           "Missä maassa {title} sijaitsee?"),
    "ja": ("{title}とは何ですか？", "{title}とは誰または何ですか？", "{title}はどこにありますか？", "{title}はいつ設立されましたか？",
           "{title}は何で知られていますか？", "{title}について何が知られていますか？", "{title}の歴史はどのようなものですか？",
           "{title}はどの国にありますか？"),
    "ko": ("{title}은(는) 무엇인가요?", "{title}은(는) 누구 또는 무엇인가요?", "{title}은(는) 어디에 있나요?",
           "{title}은(는) 언제 설립되었나요?", "{title}은(는) 무엇으로 유명한가요?", "{title}에 대해 알려진 것은 무엇인가요?",
           "{title}의 역사는 어떻게 되나요?", "{title}은(는) 어느 나라에 있나요?"),
    "ru": ("Что такое {title}?", "Кто или что такое {title}?", "Где находится {title}?", "Какова дата основания {title}?",
           "Чем известен {title}?", "Что известно о {title}?", "Какова история {title}?", "В какой стране находится {title}?"),
    "te": ("{title} అంటే ఏమిటి?", "{title} ఎవరు లేదా ఏమిటి?", "{title} ఎక్కడ ఉంది?", "{title} ఎప్పుడు స్థాపించబడింది?",
           "{title} దేనికి ప్రసిద్ధి చెందింది?", "{title} గురించి ఏమి తెలుసు?", "{title} చరిత్ర ఏమిటి?", "{title} ఏ దేశంలో ఉంది?"),
}


def passage_subject(passage: Passage, max_words: int = 5) -> str:
    """The passage's title, or, for an untitled passage, its first ``max_words`` words."""
    return passage.title.strip() or " ".join(passage.text.split()[:max_words])


def template_queries(passage: Passage, lang: str, n_samples: int, seed: int) -> tuple[str, ...]:
    """``n_samples`` template questions for one passage: distinct templates while there are enough
    (sampling without replacement), then further rounds; seeded by (seed, passage id, lang)."""
    templates = QUESTION_TEMPLATES[check_language(lang)]
    rng = random.Random(stable_seed("templates", seed, passage.id, lang))
    chosen: list[str] = []
    while len(chosen) < n_samples:
        chosen.extend(rng.sample(templates, min(len(templates), n_samples - len(chosen))))
    subject = passage_subject(passage)
    return tuple(t.format(title=subject) for t in chosen)


def template_generate(passages: Sequence[Passage], languages: Sequence[str], n_samples: int = 5,
                      seed: int = 313) -> Iterator[GeneratedQueries]:
    """The template baseline in the same shape as :func:`xqg.generation.sampling.generate_queries`."""
    if n_samples < 1:
        raise ValueError("n_samples must be positive")
    for passage in passages:
        for lang in languages:
            yield GeneratedQueries(passage.id, lang, template_queries(passage, lang, n_samples, seed))
