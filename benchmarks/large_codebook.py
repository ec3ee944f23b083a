"""Write a large codebook: 30 items x 60 terms, the size of the Lexicoder Topic Dictionaries.

Every item gets single words, two- and three-word phrases, globs with `*`, Russian globs, and
an exclude phrase; a few items get regex `patterns`, one item a case-sensitive term. The terms
are built from the word lists below, deterministically (the same file every run).

    .venv/bin/python benchmarks/large_codebook.py            # -> benchmarks/data/large-codebook.yaml
    .venv/bin/python benchmarks/large_codebook.py -o cb.yaml
    .venv/bin/python benchmarks/large_codebook.py --rules   # -> benchmarks/data/rules-codebook.yaml

With --rules, the same 30 items also get the rule language: 200 near rules (a core word of the
item within 5 words of one of its head words, a fifth of them ordered, a fifth in unit scope)
and 50 context rules (the item's modifiers, within 1 unit or anywhere in the document).
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "data" / "large-codebook.yaml"
RULES_OUT = HERE / "data" / "rules-codebook.yaml"
TERMS_PER_ITEM = 60
NEAR_RULES, CONTEXT_RULES = 200, 50

# id: (label, English core words, English modifiers, English heads, Russian stems)
TOPICS: dict[str, tuple[str, str, str, str, str]] = {
    "macroeconomy": (
        "Macroeconomy",
        "inflation recession unemployment deficit economy growth stimulus interest output productivity budget debt",
        "federal fiscal monetary annual national real",
        "policy rate outlook forecast",
        "инфляц экономик бюджет рецесс дефицит долг",
    ),
    "civil_rights": (
        "Civil rights",
        "discrimination equality minorities privacy voting liberties freedom censorship dissent protest rights "
        "journalists",
        "civil political human minority press religious",
        "rights law protections groups",
        "свобод прав дискриминац цензур протест журналист",
    ),
    "health": (
        "Health",
        "hospital vaccine pandemic doctors nurses patients medicine clinic disease insurance epidemic coronavirus",
        "public mental primary universal emergency national",
        "care system service workers",
        "здравоохранен вакцин пандеми больниц врач эпидеми",
    ),
    "agriculture": (
        "Agriculture",
        "farmers crops harvest grain wheat livestock fertilizer farmland irrigation dairy cattle agriculture",
        "agricultural rural organic export small family",
        "subsidies prices sector production",
        "урожа зерн фермер пшениц сельхоз удобрен",
    ),
    "labour": (
        "Labour",
        "workers wages strike unions employment jobs pensions overtime layoffs employers labour workforce",
        "minimum collective skilled seasonal migrant trade",
        "wage bargaining market contracts",
        "зарплат профсоюз забастовк занятост пенси работник",
    ),
    "education": (
        "Education",
        "schools teachers students universities curriculum tuition literacy classrooms pupils scholarships "
        "education exams",
        "higher primary secondary vocational public early",
        "education reform funding standards",
        "образован школ учител студент университет экзамен",
    ),
    "environment": (
        "Environment",
        "pollution emissions climate wildlife forests recycling biodiversity smog wetlands conservation carbon drought",
        "environmental toxic greenhouse urban marine air",
        "protection change standards waste",
        "климат выброс загрязнен экологи лес отход",
    ),
    "energy": (
        "Energy",
        "oil gas pipeline electricity nuclear coal renewables refinery grid barrels opec solar",
        "natural liquefied energy crude offshore wind",
        "supplies prices exports security",
        "нефт газопровод электроэнерг уголь атомн энергетик",
    ),
    "immigration": (
        "Immigration",
        "immigrants refugees asylum migrants deportation visas citizenship border smuggling naturalization "
        "migration expulsion",
        "illegal undocumented economic temporary skilled mass",
        "policy quotas crisis applications",
        "мигрант беженц гражданств виз депортац миграц",
    ),
    "transport": (
        "Transport",
        "railways highways airports airlines aviation shipping ports trucks freight subway traffic bridges",
        "public high speed regional commercial maritime",
        "infrastructure links routes safety",
        "транспорт железн аэропорт авиац перевоз порт",
    ),
    "crime": (
        "Crime and justice",
        "police crime prisons courts murder theft fraud corruption sentencing prosecutors drugs gangs",
        "organized violent criminal juvenile federal cyber",
        "justice investigation charges trial",
        "преступн полици суд коррупц мошенничеств тюрьм",
    ),
    "welfare": (
        "Social welfare",
        "poverty welfare benefits homelessness disability charity pensioners childcare allowances orphans "
        "hunger elderly",
        "social child family low income disability",
        "assistance payments programs support",
        "бедност пособи социальн инвалид пенсионер детск",
    ),
    "housing": (
        "Housing",
        "housing mortgages rents tenants landlords construction homeowners eviction apartments developers "
        "zoning homelessness",
        "affordable public social rental residential urban",
        "market prices development loans",
        "жиль ипотек аренд квартир застройщик строительств",
    ),
    "finance": (
        "Banking and finance",
        "banks stocks bonds investors shares markets currency ruble dollar lending bankruptcy securities",
        "central commercial foreign financial stock capital",
        "reserves exchange regulation sector",
        "банк акци облигац инвестор валют рубл",
    ),
    "defence": (
        "Defence",
        "military troops army navy missiles weapons soldiers tanks drills warships arsenal deployment",
        "armed nuclear strategic conventional ballistic hypersonic",
        "forces exercises spending capabilities",
        "войск арми ракет вооружен учени флот",
    ),
    "technology": (
        "Science and technology",
        "internet software satellites telecommunications semiconductors research innovation computers startups "
        "robotics broadband encryption",
        "artificial digital space scientific mobile quantum",
        "intelligence technology networks platforms",
        "интернет технолог спутник исследован цифров инновац",
    ),
    "trade": (
        "Foreign trade",
        "tariffs exports imports trade embargo quotas dumping customs protectionism wto duties shipments",
        "free bilateral foreign global retaliatory export",
        "agreement deficit barriers talks",
        "торговл экспорт импорт пошлин таможн эмбарго",
    ),
    "diplomacy": (
        "Diplomacy",
        "diplomats embassy ambassador summit negotiations treaty talks envoy consulate mediation dialogue diplomacy",
        "bilateral multilateral diplomatic direct secret bilateral",
        "relations channels meeting process",
        "дипломат посольств посол переговор саммит диалог",
    ),
    "government": (
        "Government operations",
        "bureaucracy ministries agencies civil servants procurement audits regulations census reorganization "
        "budgets appointments",
        "federal government public state executive regional",
        "administration reform officials services",
        "министерств ведомств чиновник аудит госзакуп регулирован",
    ),
    "lands": (
        "Public lands and water",
        "parks reservoirs rivers dams fisheries coastlines wilderness mining territories lakes floods irrigation",
        "national public federal coastal indigenous water",
        "resources management rights reserves",
        "водохранилищ рек плотин рыболовств заповедник паводк",
    ),
    "culture": (
        "Culture and media",
        "museums theatre cinema music literature heritage artists festivals television newspapers broadcasting "
        "publishing",
        "cultural national popular independent state foreign",
        "policy industry media institutions",
        "культур музе театр кино телевиден газет",
    ),
    "religion": (
        "Religion",
        "church clergy mosques bishops patriarch believers worship orthodoxy parishes monasteries pilgrims religion",
        "orthodox catholic muslim religious christian spiritual",
        "leaders communities freedom groups",
        "церкв патриарх верующ православ мечет епарх",
    ),
    "elections": (
        "Elections",
        "elections voters ballots candidates campaigns turnout polls parliament referendum incumbents primaries "
        "constituencies",
        "presidential parliamentary local national early electoral",
        "commission results fraud observers",
        "выбор избирател бюллетен кандидат голосован депутат",
    ),
    "terrorism": (
        "Terrorism and extremism",
        "terrorists extremists bombing hostages militants jihadists insurgents radicalization attacks "
        "kidnapping explosives terrorism",
        "international domestic suicide armed islamist violent",
        "groups networks threats cells",
        "террорист экстремист взрыв заложник боевик радикал",
    ),
    "cyber": (
        "Cyber security",
        "hackers ransomware malware cyberattacks phishing breaches botnets spyware espionage cybersecurity "
        "intrusions hacking",
        "state sponsored critical digital malicious foreign",
        "attacks infrastructure operations actors",
        "хакер кибератак вредонос шпионаж взлом киберпреступн",
    ),
    "sanctions": (
        "Sanctions",
        "sanctions blacklist asset freezes restrictions penalties blacklisting oligarchs embargoes designations "
        "waivers countermeasures",
        "economic financial sectoral personal secondary new",
        "measures regime package relief",
        "санкци ограничен контрмер олигарх заморозк запрет",
    ),
    "arms_control": (
        "Arms control",
        "disarmament nonproliferation verification inspections warheads stockpiles moratorium testing "
        "treaty limits proliferation deterrence",
        "nuclear chemical strategic bilateral intermediate range",
        "control talks stability agreements",
        "разоружен нераспространен боеголов договор сдерживан инспекц",
    ),
    "europe": (
        "Europe and the EU",
        "brussels eurozone commission europe schengen strasbourg parliament enlargement euro member states integration",
        "european eastern western central northern southern",
        "union council partners neighbours",
        "евросоюз европ брюссел еврозон шенген евро",
    ),
    "middle_east": (
        "Middle East",
        "syria iran iraq israel yemen lebanon gulf palestinians jordan damascus tehran baghdad",
        "middle eastern persian arab syrian iranian",
        "east conflict region peace",
        "сири иран ирак израил йемен ливан",
    ),
    "asia_pacific": (
        "Asia-Pacific",
        "china japan korea taiwan beijing pyongyang tokyo seoul india vietnam asean indonesia",
        "asian pacific chinese korean japanese indian",
        "region alliance partners security",
        "кита япони коре тайван пекин инди",
    ),
}
COLORS = [
    "#1b9e77",
    "#d95f02",
    "#7570b3",
    "#e7298a",
    "#66a61e",
    "#e6ab02",
    "#a6761d",
    "#666666",
    "#1f78b4",
    "#b2df8a",
]
PATTERN_ITEMS = {
    "macroeconomy": [r"\d+ per cent inflation"],
    "energy": [r"\bbarrels? (of|per) (oil|day)\b"],
    "elections": [r"\bturnout (of|at) \d+"],
    "finance": [r"[$€₽]\s*\d+"],
}
CASE_SENSITIVE = {"trade": "WTO", "diplomacy": "UN", "europe": "EU"}


def item_terms(item_id: str, rng: random.Random) -> tuple[list[str], list[str]]:
    """60 English and Russian terms for one item, deterministic given rng."""
    _, core, mods, heads, ru = TOPICS[item_id]
    core_w, mod_w, head_w, ru_w = core.split(), mods.split(), heads.split(), ru.split()
    en: list[str] = []

    def add(term: str, into: list[str]) -> None:
        if term not in en and term not in into_ru and term not in into:
            into.append(term)

    into_ru: list[str] = []
    for w in core_w:  # single words, every third a glob on its stem
        add(w[: max(4, len(w) - 2)] + "*" if len(en) % 3 == 2 and len(w) > 5 else w, en)
    for m in mod_w:  # two-word phrases
        for w in rng.sample(core_w, 3):
            add(f"{m} {w}", en)
    for m in mod_w[:4]:  # three-word phrases
        for _ in range(2):
            add(f"{m} {rng.choice(core_w)} {rng.choice(head_w)}", en)
    for h in head_w:  # glob inside a phrase
        add(f"{rng.choice(core_w)[:5]}* {h}", en)
    for s in ru_w:  # Russian globs, single and two-word
        add(f"{s}*", into_ru)
    for s in ru_w:
        add(f"{s}* {rng.choice([o for o in ru_w if o != s])}*", into_ru)
    add("* " + rng.choice(head_w) + " " + rng.choice(head_w), en)  # lone star: any one token
    while len(en) + len(into_ru) < TERMS_PER_ITEM:  # top up with more two-word phrases
        add(f"{rng.choice(mod_w)} {rng.choice(core_w)} {rng.choice(head_w)}", en)
    en = en[: TERMS_PER_ITEM - len(into_ru)]
    return en, into_ru


def build(seed: int = 6) -> dict:
    rng = random.Random(seed)
    items = []
    for n, (item_id, (label, *_)) in enumerate(TOPICS.items(), start=1):
        en, ru = item_terms(item_id, rng)
        if item_id in CASE_SENSITIVE:
            en[-1] = {"term": CASE_SENSITIVE[item_id], "case_sensitive": True}
        item = {
            "id": item_id,
            "code": 100 + n,
            "label": label,
            "description": f"Generated benchmark item: {label.lower()}.",
            "color": COLORS[n % len(COLORS)],
            "terms": {"en": en, "ru": ru},
        }
        if item_id in PATTERN_ITEMS:
            item["patterns"] = PATTERN_ITEMS[item_id]
        # An exclude phrase: a modifier before a single-word term of the item ("so-called inflation").
        single = [t for t in en if isinstance(t, str) and " " not in t and "*" not in t]
        item["exclude"] = [f"so-called {single[0]}", f"{single[1]} jokes"]
        items.append(item)
    return {
        "codebook": "benchmark-large",
        "version": "1.0.0",
        "title": "Benchmark codebook: 30 items x 60 terms (generated)",
        "languages": ["en", "ru"],
        "units": {"split": "paragraph"},
        "items": items,
    }


def build_rules(seed: int = 6) -> dict:
    """The 30 x 60 codebook with 200 near rules and 50 context rules spread over its items."""
    data = build(seed)
    rng = random.Random(seed + 1)
    items = data["items"]
    for n in range(NEAR_RULES):
        item = items[n % len(items)]
        _, core, _, heads, _ = TOPICS[item["id"]]
        near = {"near": [rng.sample(core.split(), 2), rng.sample(heads.split(), 2)], "within": 5}
        if n % 5 == 1:
            near["ordered"] = True
        if n % 5 == 2:
            near["scope"] = "unit"
        item.setdefault("rules", []).append(near)
    for n in range(CONTEXT_RULES):
        item = items[n % len(items)]
        _, _, mods, _, _ = TOPICS[item["id"]]
        context = {"context": [f"the {m}" for m in rng.sample(mods.split(), 2)]}
        if n % 2 == 0:
            context["window"] = 1
        item["rules"].append(context)
    data.update(codebook="benchmark-rules", title="Benchmark codebook: 30 x 60 terms, 200 near and 50 context rules")
    return data


def write(path: Path = DEFAULT_OUT, seed: int = 6, rules: bool = False) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump((build_rules if rules else build)(seed), allow_unicode=True, sort_keys=False, width=120)
    path.write_text("# Generated by benchmarks/large_codebook.py; do not edit.\n" + text, "utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--rules", action="store_true", help="add 200 near and 50 context rules")
    args = parser.parse_args()
    path = write(args.output or (RULES_OUT if args.rules else DEFAULT_OUT), args.seed, args.rules)
    print(path)


if __name__ == "__main__":
    main()
