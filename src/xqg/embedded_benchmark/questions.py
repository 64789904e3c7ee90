"""Question types, their English answers, and question templates in the seven languages and English.

Five question types, each answered by one English string that a territory's passages state:

=================  ======================================  ==========================================
type               answer                                  asked only when
=================  ======================================  ==========================================
currency           English CLDR name of the legal tender   the territory has exactly one current one
official_name      ISO 3166-1 official name (pycountry)    ISO gives one that differs from the name
alpha_3            ISO 3166-1 alpha-3 code                 always
time_zone_city     CLDR exemplar city of the time zone     the territory has exactly one zone
main_language      language with CLDR's largest share      its share is strictly the largest
=================  ======================================  ==========================================

Every language has two train phrasings and two *different* dev phrasings of each type, so that a query
generator trained on train questions cannot have memorised the dev surface forms.

Territory names are CLDR's nominative forms, which most of these languages would inflect in a question.
The templates avoid inflecting them:

- ar: names follow a noun in a construct state (عملة فنلندا), which shows no case ending in writing; the
  prepositions لـ and بـ are joined as the orthography requires (لفنلندا, and للولايات for names with
  the article ال).
- bn: the genitive is written onto the name: -র after a vowel sign (রাশিয়ার), -ের after a consonant
  (জাপানের), and a hyphenated -এর after anything else (an independent vowel, a Latin letter, a bracket).
- fi: the name stays nominative: after "nimeltä" (maassa nimeltä Suomi), before a dash ("Suomi – mikä
  ..."), or as the first part of a -niminen compound (Suomi-nimisen maan; "Hongkong – Kiinan
  erityishallintoalue -nimisen" with a space when the name has several words, as Finnish spelling rules
  require). "maa" (country) is used for every territory, including dependencies.
- ja, ko: particles (の, で, 의, 에서) attach to any name unchanged; Korean particles whose form depends on
  the final consonant (은/는, 이/가, 을/를) are avoided.
- ru: the name stays nominative as an apposition ("в стране Финляндия", "страны под названием ...") or
  before a colon; "страна" is used for every territory.
- te: the name is followed by the postposition యొక్క or a noun in the oblique (దేశంలో, దేశ ప్రజలు), or by
  a case suffix written as a separate word (ను, కు), as informal Telugu writing commonly does.
"""

from __future__ import annotations

from collections.abc import Mapping

from xqg.embedded_benchmark.facts import TerritoryFacts

__all__ = [
    "QUESTION_TYPES",
    "QUESTION_TEMPLATES",
    "ENGLISH_TEMPLATES",
    "answer_for",
    "template_slots",
    "render_question",
    "bengali_genitive",
    "arabic_prefixed",
    "finnish_niminen",
]

QUESTION_TYPES: tuple[str, ...] = ("currency", "official_name", "alpha_3", "time_zone_city", "main_language")


def answer_for(question_type: str, t: TerritoryFacts) -> str | None:
    """The English answer string of ``question_type`` about ``t``, or None when the type does not apply."""
    if question_type == "currency":
        current = t.current_currencies
        return current[0].name if len(current) == 1 else None
    if question_type == "official_name":
        return t.official_name if t.official_name and t.official_name != t.name else None
    if question_type == "alpha_3":
        return t.alpha_3
    if question_type == "time_zone_city":
        return t.zones[0].city if len(t.zones) == 1 else None
    if question_type == "main_language":
        shares = [s for s in t.languages if s.population_percent > 0]
        if not shares or (len(shares) > 1 and shares[1].population_percent >= shares[0].population_percent):
            return None
        return shares[0].name
    raise ValueError(f"unknown question type {question_type!r}; expected one of {', '.join(QUESTION_TYPES)}")


_BENGALI_VOWEL_SIGNS = {chr(c) for c in range(0x09BE, 0x09CD)} | {"\u09D7"}
_BENGALI_CONSONANTS = {chr(c) for c in range(0x0995, 0x09BA)} | {"\u09CE", "\u09DC", "\u09DD", "\u09DF"}


def bengali_genitive(name: str) -> str:
    """ফিনল্যান্ড -> ফিনল্যান্ডের, রাশিয়া -> রাশিয়ার, হংকং এসএআর চীন -> হংকং এসএআর চীনের."""
    last = name[-1]
    if last in _BENGALI_VOWEL_SIGNS:
        return name + "র"
    if last in _BENGALI_CONSONANTS:
        return name + "ের"
    return name + "-এর"


def arabic_prefixed(preposition: str, name: str) -> str:
    """Join the one-letter preposition ل or ب to a name: لفنلندا; ل + الولايات -> للولايات (the alif drops)."""
    if preposition not in ("ل", "ب"):
        raise ValueError(f"expected the preposition ل or ب, got {preposition!r}")
    if preposition == "ل" and name.startswith("ال"):
        return "لل" + name[2:]
    return preposition + name


def finnish_niminen(name: str) -> str:
    """Genitive of the compound "X-niminen": Suomi-nimisen; a several-word name takes a space before the hyphen."""
    return f"{name} -nimisen" if " " in name else f"{name}-nimisen"


def template_slots(lang: str, name: str) -> dict[str, str]:
    """The forms of a territory name a template of ``lang`` may use."""
    slots = {"name": name}
    if lang == "ar":
        slots.update(name_li=arabic_prefixed("ل", name), name_bi=arabic_prefixed("ب", name))
    elif lang == "bn":
        slots["name_gen"] = bengali_genitive(name)
    elif lang == "fi":
        slots["name_nimisen"] = finnish_niminen(name)
    return slots


# QUESTION_TEMPLATES[lang][question type][split] -> phrasings
QUESTION_TEMPLATES: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    "ar": {
        "currency": {
            "train": ("ما هي عملة {name}؟", "ما العملة المستخدمة في {name}؟"),
            "dev": ("ما اسم العملة الرسمية في {name}؟", "بأي عملة يتم الدفع في {name}؟"),
        },
        "official_name": {
            "train": ("ما هو الاسم الرسمي {name_li}؟", "ما الاسم الرسمي الكامل {name_li}؟"),
            "dev": ("ما التسمية الرسمية الكاملة {name_li}؟", "كيف يُكتب الاسم الرسمي {name_li} بالكامل؟"),
        },
        "alpha_3": {
            "train": ("ما هو الرمز الثلاثي {name_li} في معيار ISO 3166-1؟", "ما رمز الدولة المكوّن من ثلاثة أحرف {name_li}؟"),
            "dev": ("ما هو رمز ISO ألفا-3 الخاص {name_bi}؟", "أي رمز من ثلاثة أحرف يمثل {name} في ISO 3166-1؟"),
        },
        "time_zone_city": {
            "train": ("على اسم أي مدينة سُمّيت المنطقة الزمنية {name_li}؟", "ما المدينة التي تحمل المنطقة الزمنية في {name} اسمها؟"),
            "dev": ("ما المدينة المرجعية للمنطقة الزمنية المستخدمة في {name}؟", "من أي مدينة أخذت المنطقة الزمنية {name_li} اسمها؟"),
        },
        "main_language": {
            "train": ("ما هي اللغة الأكثر انتشارًا في {name}؟", "ما اللغة التي يتحدث بها أكبر عدد من السكان في {name}؟"),
            "dev": ("أي لغة يتكلمها معظم سكان {name}؟", "ما اللغة الأوسع استخدامًا بين سكان {name}؟"),
        },
    },
    "bn": {
        "currency": {
            "train": ("{name_gen} মুদ্রার নাম কী?", "{name_gen} প্রচলিত মুদ্রা কোনটি?"),
            "dev": ("{name_gen} সরকারি মুদ্রা কী?", "{name_gen} মানুষ কোন মুদ্রায় লেনদেন করে?"),
        },
        "official_name": {
            "train": ("{name_gen} সরকারি নাম কী?", "{name_gen} পূর্ণ আনুষ্ঠানিক নাম কী?"),
            "dev": ("{name_gen} দাপ্তরিক নাম কোনটি?", "আনুষ্ঠানিকভাবে {name_gen} পুরো নাম কী?"),
        },
        "alpha_3": {
            "train": ("{name_gen} ISO 3166-1 আলফা-3 কোড কী?", "{name_gen} তিন অক্ষরের দেশ কোড কী?"),
            "dev": ("ISO 3166-1 মান অনুযায়ী {name_gen} তিন অক্ষরের কোড কোনটি?", "আন্তর্জাতিক মানে {name_gen} আলফা-৩ সংকেত কী?"),
        },
        "time_zone_city": {
            "train": ("{name_gen} সময় অঞ্চলের নাম কোন শহরের নামে রাখা হয়েছে?", "{name_gen} টাইম জোন কোন শহরের নামে পরিচিত?"),
            "dev": ("কোন শহরের নাম অনুসারে {name_gen} সময় অঞ্চলের নামকরণ করা হয়েছে?", "{name_gen} সময় অঞ্চলটি কোন শহরের নামে?"),
        },
        "main_language": {
            "train": ("{name_gen} সবচেয়ে বেশি প্রচলিত ভাষা কোনটি?", "{name_gen} অধিকাংশ মানুষ কোন ভাষায় কথা বলে?"),
            "dev": ("{name_gen} জনসংখ্যার সবচেয়ে বড় অংশ কোন ভাষা ব্যবহার করে?", "{name_gen} বেশিরভাগ লোকের মুখের ভাষা কী?"),
        },
    },
    "fi": {
        "currency": {
            "train": ("{name} – mikä valuutta siellä on käytössä?", "Mikä on sen maan valuutta, jonka nimi on {name}?"),
            "dev": ("Millä valuutalla maksetaan maassa nimeltä {name}?", "Mikä on {name_nimisen} maan virallinen rahayksikkö?"),
        },
        "official_name": {
            "train": ("{name} – mikä on sen virallinen nimi?", "Mikä on {name_nimisen} maan virallinen nimi englanniksi?"),
            "dev": ("Millä virallisella nimellä tunnetaan maa nimeltä {name}?", "Mikä on {name_nimisen} maan täydellinen virallinen nimi?"),
        },
        "alpha_3": {
            "train": ("Mikä on {name_nimisen} maan ISO 3166-1 alpha-3 -koodi?", "{name} – mikä on sen kolmikirjaiminen maakoodi?"),
            "dev": ("Mikä kolmikirjaiminen ISO-koodi on annettu maalle nimeltä {name}?", "Millä kolmen kirjaimen tunnuksella ISO 3166-1 merkitsee maan nimeltä {name}?"),
        },
        "time_zone_city": {
            "train": ("{name} – minkä kaupungin mukaan sen aikavyöhyke on nimetty?", "Minkä kaupungin mukaan {name_nimisen} maan aikavyöhyke on nimetty?"),
            "dev": ("Mistä kaupungista {name_nimisen} maan aikavyöhyke on saanut nimensä?", "Minkä kaupungin nimeä kantaa aikavyöhyke, jota maassa nimeltä {name} käytetään?"),
        },
        "main_language": {
            "train": ("Mikä kieli on yleisin maassa nimeltä {name}?", "{name} – mitä kieltä siellä puhutaan eniten?"),
            "dev": ("Mitä kieltä suurin osa {name_nimisen} maan asukkaista puhuu?", "Mikä on {name_nimisen} maan puhutuin kieli?"),
        },
    },
    "ja": {
        "currency": {
            "train": ("{name}の通貨は何ですか？", "{name}で使われている通貨は何ですか？"),
            "dev": ("{name}の法定通貨は何ですか？", "{name}ではどの通貨で支払いをしますか？"),
        },
        "official_name": {
            "train": ("{name}の正式名称は何ですか？", "{name}の英語での正式な国名は何ですか？"),
            "dev": ("{name}は正式には何と呼ばれていますか？", "{name}の公式の呼び名は何ですか？"),
        },
        "alpha_3": {
            "train": ("{name}のISO 3166-1 alpha-3コードは何ですか？", "{name}の3文字の国名コードは何ですか？"),
            "dev": ("ISO 3166-1で{name}に割り当てられた3文字のコードは何ですか？", "{name}を表すアルファ3コードは何ですか？"),
        },
        "time_zone_city": {
            "train": ("{name}のタイムゾーンはどの都市にちなんで名付けられていますか？", "{name}の時間帯の名前になっている都市はどこですか？"),
            "dev": ("{name}で使われている標準時の基準となる都市はどこですか？", "{name}のタイムゾーン名に含まれる都市は何ですか？"),
        },
        "main_language": {
            "train": ("{name}で最も広く話されている言語は何ですか？", "{name}で一番多くの人が話す言語は何ですか？"),
            "dev": ("{name}の住民の大多数が使う言語は何ですか？", "{name}で最も普及している言語はどれですか？"),
        },
    },
    "ko": {
        "currency": {
            "train": ("{name}의 통화는 무엇인가요?", "{name}에서 사용하는 화폐는 무엇인가?"),
            "dev": ("{name}의 법정 통화는 무엇입니까?", "{name}에서는 어떤 돈을 쓰나요?"),
        },
        "official_name": {
            "train": ("{name}의 공식 명칭은 무엇인가요?", "{name}의 정식 국가명은 무엇인가?"),
            "dev": ("{name}의 공식 이름은 무엇입니까?", "{name}의 정식 영문 명칭은 무엇인가요?"),
        },
        "alpha_3": {
            "train": ("{name}의 ISO 3166-1 알파-3 코드는 무엇인가요?", "{name}의 세 글자 국가 코드는 무엇인가?"),
            "dev": ("ISO 3166-1에서 {name}에 부여된 세 글자 코드는 무엇입니까?", "{name}의 3자리 알파벳 국가 코드는 무엇인가요?"),
        },
        "time_zone_city": {
            "train": ("{name}의 시간대는 어느 도시의 이름을 따서 지어졌나요?", "{name}의 표준 시간대 이름에 쓰인 도시는 어디인가?"),
            "dev": ("{name}에서 사용하는 시간대의 기준 도시는 어디입니까?", "{name} 시간대의 이름이 된 도시는 어디인가요?"),
        },
        "main_language": {
            "train": ("{name}에서 가장 널리 쓰이는 언어는 무엇인가요?", "{name}에서 가장 많은 사람이 사용하는 언어는 무엇인가?"),
            "dev": ("{name} 주민 대다수가 사용하는 언어는 무엇입니까?", "{name}에서 가장 보편적인 언어는 무엇인가요?"),
        },
    },
    "ru": {
        "currency": {
            "train": ("Какая валюта используется в стране {name}?", "{name}: какая там национальная валюта?"),
            "dev": ("Как называется денежная единица страны под названием {name}?", "Какой валютой расплачиваются в стране под названием {name}?"),
        },
        "official_name": {
            "train": ("Каково официальное название страны {name}?", "{name}: как звучит полное официальное название этой страны?"),
            "dev": ("Какое полное официальное наименование у страны под названием {name}?", "Под каким официальным названием известна страна {name}?"),
        },
        "alpha_3": {
            "train": ("Какой трёхбуквенный код ISO 3166-1 у страны {name}?", "{name}: какой у этой страны код ISO 3166-1 alpha-3?"),
            "dev": ("Какой буквенный код alpha-3 присвоен стране под названием {name}?", "Каким трёхбуквенным кодом обозначается страна {name} в стандарте ISO 3166-1?"),
        },
        "time_zone_city": {
            "train": ("В честь какого города назван часовой пояс страны {name}?", "{name}: по какому городу назван часовой пояс этой страны?"),
            "dev": ("Какой город дал название часовому поясу страны под названием {name}?", "Название какого города носит часовой пояс, используемый в стране {name}?"),
        },
        "main_language": {
            "train": ("Какой язык наиболее распространён в стране {name}?", "{name}: на каком языке говорит больше всего жителей?"),
            "dev": ("На каком языке говорит большинство населения страны под названием {name}?", "Какой язык самый употребительный в стране {name}?"),
        },
    },
    "te": {
        "currency": {
            "train": ("{name} యొక్క కరెన్సీ ఏమిటి?", "{name} దేశంలో ఏ కరెన్సీని ఉపయోగిస్తారు?"),
            "dev": ("{name} అధికారిక ద్రవ్యం ఏది?", "{name} దేశ ప్రజలు ఏ కరెన్సీతో లావాదేవీలు చేస్తారు?"),
        },
        "official_name": {
            "train": ("{name} యొక్క అధికారిక పేరు ఏమిటి?", "{name} దేశం యొక్క పూర్తి అధికారిక పేరు ఏది?"),
            "dev": ("అధికారికంగా {name} ను ఏమని పిలుస్తారు?", "{name} అధికారిక నామం ఏది?"),
        },
        "alpha_3": {
            "train": ("{name} యొక్క ISO 3166-1 ఆల్ఫా-3 కోడ్ ఏమిటి?", "{name} దేశం యొక్క మూడు అక్షరాల కోడ్ ఏది?"),
            "dev": ("ISO 3166-1 ప్రమాణంలో {name} కు కేటాయించిన మూడు అక్షరాల కోడ్ ఏది?", "{name} ను సూచించే ఆల్ఫా-3 కోడ్ ఏమిటి?"),
        },
        "time_zone_city": {
            "train": ("{name} యొక్క సమయ మండలానికి ఏ నగరం పేరు పెట్టారు?", "{name} కాలమండలం ఏ నగరం పేరు మీద ఉంది?"),
            "dev": ("{name} దేశంలో వాడే టైమ్ జోన్ ఏ నగరం పేరుతో పిలువబడుతుంది?", "ఏ నగరం పేరు మీద {name} సమయ మండలానికి పేరు వచ్చింది?"),
        },
        "main_language": {
            "train": ("{name} దేశంలో ఎక్కువగా మాట్లాడే భాష ఏది?", "{name} యొక్క అత్యంత విస్తృతమైన భాష ఏది?"),
            "dev": ("{name} ప్రజల్లో అధికులు మాట్లాడే భాష ఏది?", "{name} జనాభాలో ఎక్కువ మంది వాడే భాష ఏమిటి?"),
        },
    },
}

# English questions, for the English-only ("zero-shot") training split; train territories only.
ENGLISH_TEMPLATES: dict[str, tuple[str, ...]] = {
    "currency": ("What is the currency of {name}?", "Which currency is used in {name}?", "What money do people pay with in {name}?"),
    "official_name": ("What is the official name of {name}?", "What is {name} officially called?"),
    "alpha_3": ("What is the ISO 3166-1 alpha-3 code of {name}?", "What three-letter country code does {name} have?"),
    "time_zone_city": ("Which city is the time zone of {name} named after?", "The time zone used in {name} is named after which city?"),
    "main_language": ("What is the most widely spoken language in {name}?", "Which language do most people in {name} speak?"),
}


def render_question(template: str, slots: Mapping[str, str]) -> str:
    """Fill a template; a placeholder without a slot is a programming error and raises KeyError naming it."""
    return template.format_map(dict(slots))
