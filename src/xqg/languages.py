"""The seven XOR-TyDi languages: names, families, scripts and resource classes.

Families (branch in brackets) and resource classes of Joshi et al. (2020, "The State and Fate of
Linguistic Diversity and Inclusion in the NLP World", ACL; 0 = left behind .. 5 = winners):
Arabic, Afro-Asiatic (Semitic), class 5; Bengali, Indo-European (Indo-Aryan), 3; Finnish, Uralic
(Finnic), 4; Japanese, Japonic, 5; Korean, Koreanic, 4; Russian, Indo-European (Slavic), 4; Telugu,
Dravidian, 1. Only Indo-European has two languages, so family is confounded with language: group by it
descriptively only, next to the per-language numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

LANGUAGES: tuple[str, ...] = ("ar", "bn", "fi", "ja", "ko", "ru", "te")


@dataclass(frozen=True)
class LanguageInfo:
    code: str
    name: str  # English name, as used in the xQG prompt "Generate a {name} question ..."
    family: str
    branch: str
    script: str
    joshi_class: int


LANGUAGE_INFO: dict[str, LanguageInfo] = {
    "ar": LanguageInfo("ar", "Arabic", "Afro-Asiatic", "Semitic", "Arabic", 5),
    "bn": LanguageInfo("bn", "Bengali", "Indo-European", "Indo-Aryan", "Bengali", 3),
    "fi": LanguageInfo("fi", "Finnish", "Uralic", "Finnic", "Latin", 4),
    "ja": LanguageInfo("ja", "Japanese", "Japonic", "Japonic", "Han+Kana", 5),
    "ko": LanguageInfo("ko", "Korean", "Koreanic", "Koreanic", "Hangul", 4),
    "ru": LanguageInfo("ru", "Russian", "Indo-European", "Slavic", "Cyrillic", 4),
    "te": LanguageInfo("te", "Telugu", "Dravidian", "Dravidian", "Telugu", 1),
}


def check_language(code: str) -> str:
    """Return ``code`` if it is one of the seven languages, else raise ValueError naming it."""
    if code not in LANGUAGE_INFO:
        raise ValueError(f"unknown language code {code!r}; expected one of {', '.join(LANGUAGES)}")
    return code
