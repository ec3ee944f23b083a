"""Generate a realistic benchmark corpus: news-like English (and ~15% Russian) paragraphs.

Documents of 5-20 paragraphs from invented sources and dates in 2021, built from the word lists
below with random function words, so that no two sentences repeat; curly and straight quotes
and apostrophes, em and en dashes, hyphenated compounds, numbers, the odd boilerplate paragraph,
and the codebooks' terms at realistic rates (each item is mentioned in a few % of paragraphs).
Written as CSV (doc_id, source, date, text), Parquet, and a folder of .txt files with a
metadata.csv, under benchmarks/data/. The same --mb and --seed give the same bytes.

    .venv/bin/python benchmarks/make_corpus.py --mb 100
    .venv/bin/python benchmarks/make_corpus.py --mb 1000 --formats csv,parquet
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import shutil
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DATA = HERE / "data"
FLAGSHIP = REPO / "codebook" / "us-russia-2021.yaml"
FORMATS = ("csv", "parquet", "txt")
RUSSIAN_SHARE = 0.15
MENTION_RATE = 0.03  # chance that a paragraph mentions a given item

# ------------------------------------------------------------------ English word lists
EN_SOURCES = [
    "Harbour Ledger",
    "Northern Courier",
    "Capital Dispatch",
    "Evening Sentinel",
    "Baltic Observer",
    "Continental Wire",
    "ministry-statements",
    "presidential-readouts",
]
EN_SUBJECTS = (
    "the minister|the spokesman|the spokeswoman|a senior official|the deputy minister|the ambassador|"
    "the president|the prime minister|the press secretary|the foreign ministry|the delegation|the committee|"
    "the national security adviser|the secretary of state|officials|analysts|diplomats|lawmakers|"
    "the opposition|the governor|the mayor|the central bank|the commission|observers|experts|the envoy|"
    "the negotiators|the administration|the Kremlin|the White House|Washington|Moscow|Brussels|Kyiv|Geneva|"
    "Vienna|Beijing|the chancellor|the senator|the parliament|the cabinet|the regulator|the court|"
    "a government source|a person familiar with the talks|the agency|the union|the company"
).split("|")
EN_SAID = (
    "said|stated|stressed|noted|warned|argued|insisted|added|told reporters|claimed|announced|"
    "acknowledged|suggested|emphasised|emphasized|confirmed|denied|cautioned|reiterated|declared"
).split("|")
EN_VERBS = (
    "discuss|review|support|reject|consider|extend|expand|limit|restore|resume|suspend|finalise|negotiate|"
    "address|monitor|strengthen|weaken|propose|delay|approve|block|challenge|welcome|criticise|fund|"
    "investigate|publish|prepare|launch|halt|revise|implement|secure|protect|reduce|raise|cut|boost|"
    "examine|defend|coordinate|settle|resolve|endorse"
).split("|")
EN_VERBS_PAST = [v + ("d" if v.endswith("e") else "ed") for v in EN_VERBS if not v.endswith(("t", "p", "y"))] + [
    "cut",
    "set",
    "met",
    "held",
    "sought",
    "built",
    "brought",
    "kept",
]
EN_ADJ = (
    "new|former|key|long-term|short-term|high-level|bilateral|multilateral|regional|national|global|"
    "serious|difficult|constructive|frank|detailed|broad|narrow|urgent|modest|significant|limited|"
    "possible|further|recent|upcoming|previous|joint|separate|formal|informal|public|private|domestic|"
    "foreign|economic|political|military|social|legal|technical|practical|concrete|mutual|fragile|stable|"
    "tense|cautious|open|closed|annual|quarterly|initial|final|major|minor|wide-ranging|so-called|"
    "well-known|cross-border|state-run|pro-government|left-wing|right-wing|two-day|three-hour|year-long"
).split("|")
EN_NOUNS = (
    "talks|meeting|agreement|proposal|statement|issue|question|position|approach|framework|process|"
    "plan|strategy|dialogue|conference|session|report|decision|measure|step|initiative|concern|demand|"
    "request|response|document|draft|deadline|round|summit|visit|call|phone call|briefing|interview|"
    "situation|crisis|conflict|tension|relations|cooperation|partnership|region|border|territory|market|"
    "budget|law|bill|rule|standard|reform|programme|program|project|investment|loan|deal|price|cost|rate|"
    "figure|level|share|majority|minority|coalition|party|election|campaign|vote|court|case|ruling|"
    "investigation|inquiry|hearing|committee|council|agency|ministry|government|administration|office|"
    "official|leader|partner|neighbour|ally|rival|country|nation|state|city|capital|province|sector|"
    "industry|company|bank|network|system|infrastructure|service|supply|demand|growth|decline|risk|"
    "threat|guarantee|commitment|obligation|channel|mechanism|platform|agenda|priority|signal|message"
).split("|")
EN_ADV = (
    "also|however|meanwhile|nevertheless|still|already|again|now|later|earlier|recently|previously|"
    "reportedly|apparently|reluctantly|quickly|slowly|firmly|openly|quietly|clearly|largely|partly|"
    "mostly|once more|for now|in turn|at the same time|so far|in particular|above all|in fact"
).split("|")
EN_PREP = (
    "on|about|over|with|against|for|after|before|during|despite|amid|ahead of|following|regarding|"
    "under|within|beyond|between|among|across|towards|without"
).split("|")
EN_DET = "the|a|this|that|its|their|our|another|every|no|some|any|each|one|the next|the last".split("|")
EN_CONJ = "and|but|while|because|although|as|since|so|whereas|even though|after|before|once|unless".split("|")
EN_MODAL = "would|could|might|should|will|may|must|cannot|did not|does not|would not|can".split("|")
EN_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December".split("|")
EN_CONTRACTIONS = ["don{a}t", "won{a}t", "it{a}s", "we{a}re", "they{a}ve", "isn{a}t", "can{a}t", "that{a}s"]
BOILERPLATE_EN = ["Related Posts", "Advertisement", "Photo: {name}/{source}", "Read more: {np}", "Share this"]
SHORT_EN = ["{CITY}, {day} {month}", "By {name}", "Updated {day} {month}"]

# ------------------------------------------------------------------ Russian word lists
RU_SOURCES = ["Вечерний вестник", "Столичные ведомости", "Северная газета", "mid-zayavleniya"]
RU_SUBJECTS = (
    "министр|пресс-секретарь|представитель МИД|замминистра|посол|президент|председатель правительства|"
    "делегация|комитет|эксперты|аналитики|дипломаты|депутаты|оппозиция|губернатор|мэр|Центробанк|"
    "комиссия|наблюдатели|источник в правительстве|собеседник агентства|ведомство|Кремль|Белый дом|"
    "Вашингтон|Москва|Брюссель|Женева|Вена|Пекин|сенатор|парламент|кабинет министров|суд|агентство"
).split("|")
RU_SAID = (
    "заявил|подчеркнул|отметил|предупредил|добавил|сообщил журналистам|уточнил|признал|напомнил|"
    "указал|объявил|опроверг|выразил уверенность|счёл нужным отметить|заверил"
).split("|")
RU_VERBS = (
    "обсудить|рассмотреть|поддержать|отклонить|продлить|расширить|ограничить|восстановить|возобновить|"
    "приостановить|согласовать|урегулировать|укрепить|ослабить|предложить|отложить|одобрить|заблокировать|"
    "оспорить|приветствовать|раскритиковать|профинансировать|расследовать|опубликовать|подготовить|"
    "запустить|пересмотреть|реализовать|обеспечить|защитить|сократить|повысить|учесть|продолжить"
).split("|")
RU_ADJ = (
    "новый|прежний|ключевой|долгосрочный|краткосрочный|двусторонний|многосторонний|региональный|"
    "национальный|глобальный|серьёзный|сложный|конструктивный|откровенный|подробный|широкий|срочный|"
    "скромный|значительный|ограниченный|возможный|дальнейший|недавний|предстоящий|совместный|отдельный|"
    "официальный|неофициальный|публичный|внутренний|внешний|экономический|политический|военный|"
    "социальный|правовой|технический|практический|конкретный|взаимный|хрупкий|стабильный|напряжённый|"
    "осторожный|открытый|ежегодный|первоначальный|окончательный|так называемый|всё более|ещё один"
).split("|")
RU_NOUNS = (
    "переговоров|встречи|соглашения|предложения|заявления|вопроса|позиции|подхода|процесса|плана|"
    "стратегии|диалога|конференции|сессии|доклада|решения|меры|шага|инициативы|обеспокоенности|"
    "требования|ответа|документа|проекта|срока|раунда|саммита|визита|звонка|брифинга|интервью|"
    "ситуации|кризиса|конфликта|напряжённости|отношений|сотрудничества|партнёрства|региона|границы|"
    "территории|рынка|бюджета|закона|законопроекта|правила|стандарта|реформы|программы|инвестиций|"
    "кредита|сделки|цены|ставки|уровня|доли|большинства|коалиции|партии|кампании|голосования|дела|"
    "расследования|слушаний|совета|агентства|министерства|правительства|администрации|лидера|партнёра|"
    "союзника|страны|государства|города|столицы|области|отрасли|компании|сети|системы|инфраструктуры|"
    "поставок|спроса|роста|спада|риска|угрозы|гарантий|обязательств|канала|механизма|площадки|повестки|"
    "приоритета|сигнала|объёма|учёта|счёта"
).split("|")
RU_ADV = (
    "также|однако|между тем|тем не менее|всё ещё|уже|снова|сейчас|позднее|ранее|недавно|по данным СМИ|"
    "по-видимому|неохотно|быстро|медленно|твёрдо|открыто|тихо|явно|во многом|отчасти|в основном|"
    "ещё раз|пока|в свою очередь|в то же время|в частности|прежде всего|на самом деле|всё же|её|их"
).split("|")
RU_PREP = "о|по поводу|в ходе|после|до|несмотря на|на фоне|накануне|в рамках|вокруг|вместо|для|без|среди".split("|")
RU_CONJ = "и|но|а|хотя|поскольку|так как|тогда как|после того как|пока|если|чтобы|причём".split("|")
RU_MODAL = "должны|могут|готовы|намерены|не готовы|не могут|хотели бы|обязаны|планируют|собираются".split("|")
RU_MONTHS = "января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря".split("|")
BOILERPLATE_RU = ["Читайте также: {np}", "Фото: {name}/{source}", "Реклама", "Похожие записи"]
SHORT_RU = ["{CITY}, {day} {month}", "Автор: {name}"]

# Syllables for invented names: a long tail of rare words, as in real news.
SYL_EN = "ka|ro|vel|dan|mar|tin|sol|ber|gan|lis|tor|mon|vin|ash|el|dor|quin|har|bel|cor|fen|lo|ri|sta".split("|")
SYL_RU = "ко|ва|лен|ров|ски|на|ми|ша|тов|ев|ба|гор|да|ни|ли|сен|кин|па|ху|ра|чук|ёв|жа|ус".split("|")
CITIES_EN = ["MOSCOW", "WASHINGTON", "GENEVA", "BRUSSELS", "KYIV", "VIENNA", "LONDON", "BERLIN", "MINSK"]
CITIES_RU = ["МОСКВА", "ВАШИНГТОН", "ЖЕНЕВА", "БРЮССЕЛЬ", "КИЕВ", "ВЕНА", "ЛОНДОН", "БЕРЛИН", "МИНСК"]
EN_ENDINGS = ["", "", "", "s", "e", "es", "ed", "ing", "al", "ian", "ation"]
RU_ENDINGS = ["", "а", "ы", "у", "ой", "ие", "ий", "ого", "ая", "ую", "ых", "ами", "и", "ей", "ом", "ё"]
CYRILLIC = re.compile("[\u0400-\u04ff]")


# ------------------------------------------------------------------ codebook terms


def codebook_terms(paths: list[Path]) -> list[tuple[str, list[tuple[str, bool]], list[tuple[str, bool]]]]:
    """(item id, English terms, Russian terms) of every item; each term with its case_sensitive flag."""
    out = []
    for path in paths:
        data = yaml.safe_load(path.read_text("utf-8"))
        for item in data["items"]:
            cs = item.get("case_sensitive", False)
            terms = item.get("terms") or []
            entries = [e for v in terms.values() for e in v] if isinstance(terms, dict) else list(terms)
            en, ru = [], []
            for e in entries:
                text, term_cs = (e, cs) if isinstance(e, str) else (e["term"], e.get("case_sensitive", cs))
                (ru if CYRILLIC.search(text) else en).append((text, term_cs))
            out.append((f"{path.stem}:{item['id']}", en, ru))
    return out


class Generator:
    def __init__(self, seed: int, codebooks: list[Path]):
        self.rng = random.Random(seed)
        self.items = codebook_terms(codebooks)
        self.names_en = [self._name(SYL_EN) for _ in range(5000)]
        self.names_ru = [self._name(SYL_RU) for _ in range(5000)]

    def _name(self, syllables: list[str]) -> str:
        rng = self.rng
        first = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 3))).capitalize()
        last = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))).capitalize()
        return f"{first} {last}"

    def name(self, ru: bool) -> str:
        names = self.names_ru if ru else self.names_en
        # Zipf-like: a few names are frequent, most are rare; fresh names keep the vocabulary growing.
        if self.rng.random() < 0.03:
            return self._name(SYL_RU if ru else SYL_EN)
        return names[int(len(names) * self.rng.random() ** 3)]

    # -------------------------------------------------------------- terms in text
    def realize(self, term: str, cs: bool, ru: bool) -> str:
        """A term as it might appear in text: globs completed, case varied, hyphen or spaces between words."""
        rng = self.rng
        words = []
        for word in term.split():
            if word == "*":
                words.append(rng.choice(RU_NOUNS if ru else EN_NOUNS).split()[0])
                continue
            if "*" in word:
                endings = RU_ENDINGS if CYRILLIC.search(word) else EN_ENDINGS
                pieces = word.split("*")
                last = len(pieces) - 1
                word = "".join(piece + (rng.choice(endings) if i < last else "") for i, piece in enumerate(pieces))
            words.append(word)
        out = words[0]
        for w in words[1:]:
            r = rng.random()
            out += " " if r < 0.86 else "-" if r < 0.95 else "  " if r < 0.98 else "\n"
            out += w
        if not cs:
            r = rng.random()
            if r < 0.12:
                out = out[:1].upper() + out[1:]
            elif r < 0.15:
                out = out.upper()
        if not ru and rng.random() < 0.05:
            out += rng.choice(["\u2019s", "'s"])
        return out

    def mention(self, ru: bool) -> list[str]:
        """Terms mentioned in one paragraph."""
        rng = self.rng
        found = []
        for _item, en, rus in self.items:
            terms = rus if ru else en
            if terms and rng.random() < MENTION_RATE:
                for _ in range(1 + (rng.random() < 0.3) + (rng.random() < 0.1)):
                    found.append(self.realize(*rng.choice(terms), ru))
        return found

    # -------------------------------------------------------------- sentences
    def np_en(self) -> str:
        rng = self.rng
        r = rng.random()
        if r < 0.1:
            return self.name(False)
        noun = rng.choice(EN_NOUNS)
        if rng.random() < 0.5:
            noun = f"{rng.choice(EN_ADJ)} {noun}"
        if r < 0.2:
            return f"{self.name(False).split()[-1]}{rng.choice(['’', chr(39)])}s {noun}"
        return f"{rng.choice(EN_DET)} {noun}"

    def np_ru(self) -> str:
        rng = self.rng
        noun = rng.choice(RU_NOUNS)
        if rng.random() < 0.5:
            adj = rng.choice(RU_ADJ)
            adj = adj[:-2] + rng.choice(["ого", "ой", "ых", "ому"]) if adj.endswith(("ый", "ий", "ой")) else adj
            noun = f"{adj} {noun}"
        if rng.random() < 0.1:
            noun += " " + self.name(True).split()[-1] + rng.choice(["а", "ой", ""])
        return noun

    def sentence_en(self, term: str | None) -> str:
        rng = self.rng
        obj = self.np_en() if term is None else f"{rng.choice(EN_DET)} {term} {rng.choice(EN_NOUNS)}"
        if term is not None and rng.random() < 0.3:
            obj = term
        subj = rng.choice(EN_SUBJECTS) if rng.random() < 0.85 else self.name(False)
        r = rng.random()
        if r < 0.25:
            q = rng.choice([("\u201c", "\u201d"), ('"', '"'), ("\u201c", "\u201d")])
            s = (
                f"{q[0]}We {rng.choice(EN_MODAL)} {rng.choice(EN_VERBS)} {obj} {rng.choice(EN_PREP)} "
                f"{self.np_en()},{q[1]} {subj} {rng.choice(EN_SAID)}"
            )
        elif r < 0.45:
            s = f"{subj} {rng.choice(EN_SAID)} that {self.np_en()} {rng.choice(EN_MODAL)} {rng.choice(EN_VERBS)} {obj}"
        elif r < 0.6:
            s = (
                f"{rng.choice(EN_ADV).capitalize()}, {subj} {rng.choice(EN_VERBS_PAST)} {obj} "
                f"\u2014 {rng.choice(EN_CONJ)} {self.np_en()} {rng.choice(EN_MODAL)} {rng.choice(EN_VERBS)} "
                f"{self.np_en()} \u2014 {rng.choice(EN_PREP)} {self.np_en()}"
            )
        elif r < 0.72:
            a = rng.choice(["\u2019", "'"])
            s = (
                f"{rng.choice(EN_CONTRACTIONS).format(a=a).capitalize()} {rng.choice(EN_ADJ)}, "
                f"{rng.choice(EN_CONJ)} {subj} {rng.choice(EN_VERBS_PAST)} {obj} {rng.choice(EN_PREP)} "
                f"{rng.randint(1, 28)} {rng.choice(EN_MONTHS)}"
            )
        elif r < 0.82:
            lo = rng.randint(1990, 2020)
            s = (
                f"{subj} {rng.choice(EN_VERBS_PAST)} {obj}, {rng.choice(EN_ADV)} {rng.choice(EN_PREP)} "
                f"{rng.randint(2, 99)}.{rng.randint(0, 9)} per cent {rng.choice(['in', 'for'])} "
                f"{lo}\u2013{lo + rng.randint(1, 3)}"
            )
        else:
            s = (
                f"{subj} {rng.choice(EN_VERBS_PAST)} {obj} {rng.choice(EN_PREP)} {self.np_en()} "
                f"{rng.choice(EN_CONJ)} {self.np_en()} {rng.choice(['remains', 'became', 'is', 'was'])} "
                f"{rng.choice(EN_ADJ)} ({rng.choice(['$', '€', ''])}{rng.randint(1, 900)} "
                f"{rng.choice(['million', 'billion', 'tonnes', 'km', 'troops'])})"
            )
        s = s[:1].upper() + s[1:]
        return s + rng.choice([".", ".", ".", ".", "!", "?", "\u2026", ";"])

    def sentence_ru(self, term: str | None) -> str:
        rng = self.rng
        obj = self.np_ru() if term is None else term + " " + rng.choice(RU_NOUNS)
        subj = rng.choice(RU_SUBJECTS) if rng.random() < 0.85 else self.name(True)
        r = rng.random()
        if r < 0.3:
            s = (
                f"\u00ab{rng.choice(['Мы', 'Стороны', 'Партнёры'])} {rng.choice(RU_MODAL)} "
                f"{rng.choice(RU_VERBS)} вопрос {obj} {rng.choice(RU_PREP)} {self.np_ru()}\u00bb, \u2014 "
                f"{rng.choice(RU_SAID)} {subj}"
            )
        elif r < 0.55:
            s = (
                f"{subj} {rng.choice(RU_SAID)}, что {rng.choice(RU_SUBJECTS)} {rng.choice(RU_MODAL)} "
                f"{rng.choice(RU_VERBS)} условия {obj}"
            )
        elif r < 0.75:
            s = (
                f"{rng.choice(RU_ADV).capitalize()} {subj} \u2014 {rng.choice(RU_CONJ)} {rng.choice(RU_ADV)} "
                f"\u2014 {rng.choice(RU_SAID)} о необходимости {obj} {rng.choice(RU_PREP)} {self.np_ru()}"
            )
        else:
            s = (
                f"{rng.choice(RU_PREP).capitalize()} {self.np_ru()} {subj} {rng.choice(RU_SAID)}, что объём "
                f"{obj} вырос на {rng.randint(2, 99)},{rng.randint(0, 9)}% к {rng.randint(1, 28)} "
                f"{rng.choice(RU_MONTHS)}"
            )
        s = s[:1].upper() + s[1:]
        return s + rng.choice([".", ".", ".", "!", "?", "\u2026"])

    def paragraph(self, ru: bool) -> str:
        rng = self.rng
        r = rng.random()
        if r < 0.03:
            template = rng.choice(BOILERPLATE_RU if ru else BOILERPLATE_EN)
            return template.format(name=self.name(ru), source="ТАСС" if ru else "Wire", np=self.np_en())
        if r < 0.06:
            return rng.choice(SHORT_RU if ru else SHORT_EN).format(
                CITY=rng.choice(CITIES_RU if ru else CITIES_EN),
                day=rng.randint(1, 31),
                month=rng.choice(RU_MONTHS if ru else EN_MONTHS),
                name=self.name(ru),
            )
        terms = self.mention(ru)
        n = max(len(terms), rng.randint(2, 6))
        slots = [None] * n
        for t, pos in zip(terms, rng.sample(range(n), len(terms))):
            slots[pos] = t
        make = self.sentence_ru if ru else self.sentence_en
        return " ".join(make(t) for t in slots)

    def document(self) -> tuple[str, str, str]:
        """(source, date, text) of one document."""
        rng = self.rng
        ru = rng.random() < RUSSIAN_SHARE
        source = rng.choice(RU_SOURCES if ru else EN_SOURCES)
        day = (date(2021, 1, 1) + timedelta(days=rng.randrange(365))).isoformat()
        paras = [self.paragraph(ru and rng.random() > 0.05) for _ in range(rng.randint(5, 20))]
        sep = "\n\n" if rng.random() < 0.9 else rng.choice(["\n \n", "\n\n\n", "\r\n\r\n"])
        return source, day, sep.join(paras)


# ------------------------------------------------------------------ writing


def corpus_paths(mb: int, seed: int) -> dict[str, Path]:
    stem = f"corpus-{mb}mb-s{seed}"
    return {"csv": DATA / f"{stem}.csv", "parquet": DATA / f"{stem}.parquet", "txt": DATA / stem}


def default_codebooks() -> list[Path]:
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    from large_codebook import DEFAULT_OUT, write

    large = DEFAULT_OUT if DEFAULT_OUT.exists() else write()
    return ([FLAGSHIP] if FLAGSHIP.exists() else []) + [large]


def generate(
    mb: float, seed: int = 1, formats=FORMATS, codebooks: list[Path] | None = None, quiet: bool = False
) -> dict[str, Path]:
    """Write the corpus of about `mb` megabytes of text in the given formats; returns their paths."""
    paths = corpus_paths(int(mb) if float(mb).is_integer() else mb, seed)
    DATA.mkdir(parents=True, exist_ok=True)
    gen = Generator(seed, codebooks if codebooks is not None else default_codebooks())
    target = int(mb * 1_000_000)
    tmp_csv = paths["csv"].with_suffix(".csv.tmp")
    txt_dir = paths["txt"]
    if "txt" in formats:
        if txt_dir.exists():
            shutil.rmtree(txt_dir)
        txt_dir.mkdir(parents=True)
        meta = open(txt_dir / "metadata.csv", "w", encoding="utf-8", newline="")
        meta_writer = csv.writer(meta)
        meta_writer.writerow(["file", "source", "date"])
    started = time.perf_counter()
    written, n = 0, 0
    with open(tmp_csv, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["doc_id", "source", "date", "text"])
        while written < target:
            n += 1
            source, day, text = gen.document()
            doc_id = f"d{n:07d}"
            writer.writerow([doc_id, source, day, text])
            if "txt" in formats:
                (txt_dir / f"{doc_id}.txt").write_text(text, encoding="utf-8", newline="")
                meta_writer.writerow([f"{doc_id}.txt", source, day])
            written += len(text.encode("utf-8"))
            if not quiet and n % 5000 == 0:
                rate = written / 1e6 / (time.perf_counter() - started)
                print(f"\r  {written / 1e6:,.0f} of {mb:,} MB ({rate:.1f} MB/s)", end="", file=sys.stderr)
    if "txt" in formats:
        meta.close()
    if not quiet:
        print(f"\r  {written / 1e6:,.1f} MB of text, {n:,} documents", file=sys.stderr)
    if "parquet" in formats:
        tmp_pq = paths["parquet"].with_suffix(".parquet.tmp")
        pl.scan_csv(tmp_csv, schema_overrides={"date": pl.Date}).sink_parquet(tmp_pq)
        tmp_pq.replace(paths["parquet"])
    if "csv" in formats:
        tmp_csv.replace(paths["csv"])
    else:
        tmp_csv.unlink()
    return {k: v for k, v in paths.items() if k in formats}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=100, help="megabytes of text (UTF-8), default 100")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--formats", default=",".join(FORMATS), help="comma-separated: csv,parquet,txt")
    parser.add_argument(
        "--codebook", type=Path, action="append", help="codebook whose terms to mention (default: flagship + large)"
    )
    args = parser.parse_args()
    formats = tuple(f for f in args.formats.split(",") if f)
    unknown = set(formats) - set(FORMATS)
    if unknown:
        parser.error(f"unknown format {sorted(unknown)[0]!r}")
    for path in generate(args.mb, args.seed, formats, args.codebook).values():
        print(path)


if __name__ == "__main__":
    main()
