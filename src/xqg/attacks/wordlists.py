"""Small hand-written per-language word lists: question words, function words (stop words) and, for
Japanese and Korean, particles.

They are deliberately short (frequent function words of the XOR-TyDi question style) rather than full
stop-word lists: a word missing here is only treated as a
content word (it may then receive a typo), whereas a content word wrongly listed here would never be
attacked and would be dropped by the naturality attack. Entries are NFC and lower case; Russian entries
are written with е for ё (matching is done on a stress-free, ё-folded form, see ``matching_form``).
"""

from __future__ import annotations

import unicodedata

QUESTION_WORDS: dict[str, frozenset[str]] = {
    "ar": frozenset("ما ماذا من متى أين اين كيف كم هل لماذا لم أي اي ماهو ماهي".split()),
    "bn": frozenset(
        "কে কি কী কোন কোথায় কবে কখন কত কতগুলি কতগুলো কয়টি কয়টি কেন কিভাবে কীভাবে কার কাকে কোনটি কারা কতজন কোনো কয়জন".split()
    ),
    "fi": frozenset(
        "mikä mitä missä mistä mihin milloin kuka ketkä kenen kenet keitä kuinka montako monta miksi miten millä "
        "minkä mille mitkä millainen millaista paljonko onko oliko ovatko kumpi mikäli".split()
    ),
    "ja": frozenset("何 なに なん 誰 だれ いつ どこ どの どれ どう どんな いくつ 何故 なぜ どちら 幾つ いくら どれくらい どのくらい".split()),
    "ko": frozenset("무엇 무엇인가 무엇인가요 무엇입니까 누구 누구인가 누구인가요 누가 언제 어디 어디에 어디서 어디인가 어디인가요 어느 몇 얼마 얼마나 왜 어떻게 어떤 무슨 몇개 몇명".split()),
    "ru": frozenset("что кто где когда какой какая какое какие каком какую каких каким какого какой сколько почему зачем как чем чей чья чье чьи ли куда откуда кем кому".split()),
    "te": frozenset("ఏది ఏ ఎవరు ఎప్పుడు ఎక్కడ ఎంత ఎన్ని ఎందుకు ఎలా ఏమిటి ఎవరి ఏవి ఏం ఏంటి ఎన్నో ఎవరిని ఏయే ఎన్నవ".split()),
}

FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "ar": frozenset("هو هي في على إلى الى عن مع هذا هذه التي الذي الذين كان كانت تم و ب ل ثم او أو منذ بين عند قد ذلك تلك هناك كل بعد قبل".split()),
    "bn": frozenset("হয় হয়েছে হয়েছিল হয় ছিল ছিলেন করা করেন এবং ও এর থেকে এই সেই জন্য মধ্যে আছে প্রথম এক একটি হল হলো".split()),
    "fi": frozenset("on oli ovat olivat ja tai se sen että kun jossa joka ei myös kanssa".split()),
    "ja": frozenset("です ます だ た でしょう か".split()),
    "ko": frozenset("및 그 이 저 것 수 있는 있나요 있는가 인가 인가요 입니까".split()),
    "ru": frozenset("в во на с со по из о об у к за от до для и а но был была было были является это его ее их же при".split()),
    "te": frozenset("మరియు లో ఉంది ఉన్నది ఉన్నాయి ఒక అని కూడా".split()),
}

# Korean case and topic particles (josa), longest first so that 에서 is stripped before 서.
KOREAN_JOSA: tuple[str, ...] = tuple(
    sorted("의 은 는 이 가 을 를 에 에서 에게 으로 로 와 과 도 만 까지 부터 보다 이란 란 께서 한테".split(), key=len, reverse=True)
)

# Japanese particles and auxiliaries for the fallback segmenter (used only when fugashi is absent).
JAPANESE_PARTICLES: frozenset[str] = frozenset("は が の を に で と も へ から まで より や か ね よ です ます ですか".split())


def matching_form(word: str) -> str:
    """The form in which words are looked up: NFC, case-folded, Russian stress marks removed, ё -> е."""
    decomposed = unicodedata.normalize("NFD", word.casefold())
    decomposed = decomposed.replace("\u0301", "").replace("\u0300", "").replace("\u0435\u0308", "\u0435")
    return unicodedata.normalize("NFC", decomposed)


def is_stop_word(word: str, lang: str) -> bool:
    form = matching_form(word)
    return form in QUESTION_WORDS.get(lang, frozenset()) or form in FUNCTION_WORDS.get(lang, frozenset())
