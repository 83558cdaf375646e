"""Synthetic fact bases and questions for the benchmark (fixed seed, no files written).

Facts are news-like sentences made from templates and word lists (people, places,
organisations, actions, numbers). Surnames, places and organisations are drawn with a Zipf
distribution from lists that include thousands of invented names, so that, as in real news, a
few names are everywhere and most are rare, and the vocabulary grows with the base. Facts are
generated in order from one random stream: the first facts are the same at every size, so the
same questions can be asked of every base.
"""

from __future__ import annotations

import bisect
import itertools
import random
import tomllib
from dataclasses import dataclass
from pathlib import Path

from knowledge.models import Citation, Fact, FactBase, Piece, Source

SEED = 20240611
FACTS_PER_ARTICLE = 20
ROOT = Path(__file__).resolve().parent.parent

FIRST_NAMES = """
Sergey Volodymyr Emmanuel Olaf Jens Antony Recep Ursula Andriy Dmytro Maria Anna Olena Pavel
Viktor Yulia Oleksandr Mikhail Ivan Natalia Tetiana Kaja Josep Annalena Rishi Keir Giorgia
Donald Mark Petr Lars Mette Hakan Ewa Radoslaw Gabrielius Edgars Alar Marco Sofia Elena Igor
Yevgen Denys Ruslan Iryna Oksana Vitali Kirill Dmitry Alexei Boris Nikolai Andrzej Karin
""".split()
FAMOUS = """
Putin Zelensky Lavrov Macron Scholz Stoltenberg Blinken Erdogan Kuleba Yermak Peskov Shoigu
Zakharova Borrell Rutte Tusk Orban Sikorski Podolyak Budanov Syrskyi Medvedev Guterres Grossi
""".split()
PLACES = """
Kyiv Kharkiv Odesa Kherson Mykolaiv Dnipro Lviv Zaporizhzhia Donetsk Luhansk Mariupol Bakhmut
Avdiivka Pokrovsk Kramatorsk Sumy Chernihiv Poltava Vinnytsia Crimea Sevastopol Belgorod Kursk
Bryansk Moscow Minsk Warsaw Berlin Paris London Brussels Geneva Istanbul Ankara Vienna Riga
Vilnius Tallinn Helsinki Stockholm Budapest Bucharest Chisinau Tbilisi Rome Madrid Washington
""".split()
COUNTRIES = """
Russia Ukraine Belarus Poland Germany France Britain Turkey Hungary Romania Moldova Finland
Sweden Norway Estonia Latvia Lithuania Italy Spain Slovakia Georgia China India Brazil Qatar
""".split()
ORGANISATIONS = [
    "NATO", "the European Union", "the United Nations", "the IAEA", "the Red Cross", "the OSCE",
    "the European Commission", "the Pentagon", "the State Department", "the Kremlin",
    "the Defence Ministry", "the Foreign Ministry", "the World Bank", "the IMF", "Gazprom",
    "Naftogaz", "Ukrenergo", "the G7", "the Security Council", "the European Parliament",
    "the Council of Europe", "the Verkhovna Rada", "the Duma", "the General Staff",
]  # fmt: skip
ROLES = [
    "foreign minister", "defence minister", "spokesperson", "president", "prime minister",
    "special envoy", "secretary general", "senior adviser", "regional governor", "mayor",
    "ambassador", "military analyst", "chief negotiator", "energy minister", "deputy head",
]  # fmt: skip
ACTIONS = [  # (base, past)
    ("reject", "rejected"), ("propose", "proposed"), ("sign", "signed"), ("delay", "delayed"),
    ("extend", "extended"), ("suspend", "suspended"), ("resume", "resumed"),
    ("approve", "approved"), ("block", "blocked"), ("guarantee", "guaranteed"),
    ("expand", "expanded"), ("restrict", "restricted"), ("fund", "funded"),
    ("postpone", "postponed"), ("endorse", "endorsed"), ("criticise", "criticised"),
    ("announce", "announced"), ("investigate", "investigated"), ("halt", "halted"),
    ("secure", "secured"), ("review", "reviewed"), ("limit", "limited"), ("renew", "renewed"),
    ("cancel", "cancelled"), ("accelerate", "accelerated"), ("prioritise", "prioritised"),
]  # fmt: skip
OBJECTS = [
    "a ceasefire", "grain exports", "prisoner exchanges", "sanctions relief",
    "security guarantees", "energy imports", "peace talks", "military aid",
    "air defence systems", "humanitarian corridors", "reconstruction funds",
    "nuclear plant inspections", "border crossings", "gas transit", "troop withdrawals",
    "frozen assets", "arms deliveries", "refugee returns", "the port blockade",
    "demining operations", "power grid repairs", "rail links", "fuel supplies",
    "drone production", "artillery shells", "a demilitarised zone", "election observers",
    "war crimes trials", "loan guarantees", "shipping insurance", "fertiliser exports",
    "cyber defences", "long-range missiles", "tank deliveries", "pipeline repairs",
    "water supplies", "medical evacuations", "budget support", "visa restrictions",
    "export controls", "oil price caps", "trade tariffs", "airspace closures",
    "naval patrols", "training missions", "heating subsidies", "school repairs",
    "hospital generators", "mine clearance", "bridge reconstruction", "customs checks",
    "satellite imagery", "food aid", "peacekeeping forces", "accession talks",
    "debt restructuring", "the grain corridor", "a prisoner swap", "the energy truce",
]  # fmt: skip
UNITS = [
    "civilians", "soldiers", "families", "buildings", "tonnes of grain", "megawatts",
    "prisoners", "villages", "drones", "missiles", "ships", "trucks", "schools", "volunteers",
]  # fmt: skip
ADJECTIVES = [
    "unacceptable", "premature", "unrealistic", "constructive", "encouraging", "dangerous",
    "one-sided", "long overdue", "insufficient", "a first step", "a provocation", "workable",
]  # fmt: skip
MONTHS = """January February March April May June July August September October November
December""".split()
WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
OUTLETS = ["Reuters", "AP", "AFP", "the BBC", "Kyiv Independent", "TASS", "Politico", "DW"]

TEMPLATES = [
    "{person}, {role} of {org}, said on {weekday} that {country} would {verb} {obj} in {place}.",
    "{org} {verbed} {obj} after talks in {place} ended without agreement, according to {person}.",
    "In {place}, {number} {unit} were affected on {weekday}, {org} said, as {obj} stalled.",
    "{person} warned that {obj} could be delayed until {month} {year} unless {country} moved.",
    "The proposal, drafted by advisers to {person}, would {verb} {obj} for {small} years.",
    "{country} {verbed} {obj}, calling the plan {adjective}, in a statement issued in {place}.",
    "Officials in {place} said {number} {unit} had been counted since {month}, "
    "while {org} called for {obj}.",
    "{person} met {person2} in {place} to discuss {obj} and {obj2}.",
    "A spokesperson for {org} told {outlet} that {obj} would stay on hold until {month}.",
    "{country} and {country2} agreed to {verb} {obj} by {month} {year}, {person} said.",
    "According to {person}, {org} will {verb} {obj} worth {small} billion euros next year.",
    "{person} described {obj} as {adjective} and urged {org} to {verb} it before {month}.",
    "Satellite images reviewed by {outlet} show {number} {unit} near {place} since {month}.",
    "{org} said {obj} in {place} would resume only if {country} agreed to {obj2}.",
    "Talks on {obj} between {country} and {country2} are expected in {place} on {weekday}.",
    "{person}, the {role}, rejected claims that {country} had {verbed} {obj} in {place}.",
]
QUESTION_FORMS = [
    "what did {surname} say about {obj}?",
    "what is the latest on {obj} in {place}?",
    "did {org} {verb} {obj}?",
    "what happened in {place} with {obj}?",
    "why did {country} {verb} {obj}?",
]
FRAGMENT_FORMS = ["{surname} {obj}", "{obj} {place}", "{org} {obj}", "{country} {obj}"]

# Questions about things no synthetic fact mentions, and one that only shares common words.
UNRELATED = [
    "what's the weather in lisbon tomorrow",
    "best recipe for banana bread",
    "who won the champions league final",
    "how do i reset my password",
    "what did biden say about russia",
    "price of apple stock today",
    "when does the next train to munich leave",
    "is the office open on public holidays",
]


def _invented(rng: random.Random, count: int, endings: list[str]) -> list[str]:
    starts = "ba be bo da de do ga go ka ko la le li lo ma me mi mo na no pa po ra re ro sa se "
    starts += "so ta te to va ve vo za ze zo bra dro kra pro sta stro tra vla gri"
    middles = "la len ri ro vi va ni na sha shi che dan ber mar tin kor sel gor lin vy"
    parts = [starts.split(), middles.split(), ["", *middles.split()], endings]
    names = {"".join(combination).capitalize() for combination in itertools.product(*parts)}
    return rng.sample(sorted(names), count)


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The word lists facts are drawn from, with Zipf weights for the long ones."""

    surnames: list[str]
    places: list[str]
    organisations: list[str]

    @staticmethod
    def make(rng: random.Random) -> Vocabulary:
        surnames = FAMOUS + _invented(rng, 12000, ["enko", "ov", "ski", "ova", "uk", "escu"])
        places = PLACES + _invented(rng, 6000, ["ivka", "sk", "ove", "burg", "ino", "yany"])
        extra_orgs = [f"the {p} Institute" for p in places[100:700]]
        extra_orgs += [f"{s} Energy" for s in surnames[200:500]]
        return Vocabulary(surnames, places, ORGANISATIONS + extra_orgs)


def _zipf(size: int) -> list[float]:
    return list(itertools.accumulate(1.0 / (rank + 1) for rank in range(size)))


class _Draw:
    """Weighted choices by rank (Zipf), fast enough for a million facts."""

    def __init__(self, rng: random.Random, items: list[str]) -> None:
        self.rng, self.items = rng, items
        self.cumulative = _zipf(len(items))
        self.total = self.cumulative[-1]

    def __call__(self) -> str:
        at = bisect.bisect(self.cumulative, self.rng.random() * self.total)
        return self.items[min(at, len(self.items) - 1)]


@dataclass(frozen=True, slots=True)
class Question:
    """A benchmark question; `target` is the fact it was made from (None if unrelated)."""

    text: str
    style: str
    target: str | None


def make_fact_base(size: int, seed: int = SEED) -> FactBase:
    """A fact base of `size` synthetic facts; the first facts are the same for every size."""
    rng = random.Random(seed)
    vocabulary = Vocabulary.make(rng)
    person_rng = random.Random(seed + 1)
    surname, place, org = (
        _Draw(rng, vocabulary.surnames),
        _Draw(rng, vocabulary.places),
        _Draw(rng, vocabulary.organisations),
    )
    choice, randint = rng.choice, rng.randint
    facts: list[Fact] = []
    sources: dict[str, Source] = {}
    pending: list[tuple[str, str, str, tuple[str, ...], tuple[str, ...]]] = []

    def flush(article: int) -> None:
        name = f"synthetic_{article:06d}.txt"
        title = f"Synthetic report {article}"
        parts, offsets, at = [title, "\n\n"], [], len(title) + 2
        for _, sentence, *_ in pending:
            offsets.append(at)
            parts.append(sentence + " ")
            at += len(sentence) + 1
        text = "".join(parts)
        piece = Piece(title, choice(OUTLETS), "news report", 0, len(text))
        sources[name] = Source(name, text, (piece,), "")
        for (fact_id, sentence, topic, phrasings, aliases), start in zip(
            pending, offsets, strict=True
        ):
            excerpt = text[start : start + len(sentence)]
            citation = Citation(name, excerpt, start, start + len(sentence))
            facts.append(Fact(fact_id, topic, phrasings, aliases, (citation,), name))
        pending.clear()

    for number in range(size):
        first = FIRST_NAMES[int(person_rng.random() * len(FIRST_NAMES))]
        last, last2 = surname(), surname()
        verb, verbed = choice(ACTIONS)
        slots = {
            "person": f"{first} {last}",
            "person2": f"{choice(FIRST_NAMES)} {last2}",
            "surname": last,
            "role": choice(ROLES),
            "org": org(),
            "country": choice(COUNTRIES),
            "country2": choice(COUNTRIES),
            "place": place(),
            "verb": verb,
            "verbed": verbed,
            "obj": choice(OBJECTS),
            "obj2": choice(OBJECTS),
            "unit": choice(UNITS),
            "number": f"{randint(2, 9000):,}",
            "small": str(randint(2, 40)),
            "month": choice(MONTHS),
            "year": str(randint(2024, 2030)),
            "weekday": choice(WEEKDAYS),
            "adjective": choice(ADJECTIVES),
            "outlet": choice(OUTLETS),
        }
        template = choice(TEMPLATES)
        sentence = template.format(**slots)
        sentence = sentence[0].upper() + sentence[1:]
        topic = f"{slots['surname']} on {slots['obj']} ({slots['place']})"
        phrasings = (
            choice(QUESTION_FORMS).format(**slots),
            choice(FRAGMENT_FORMS).format(**slots),
        )
        aliases = (f"{slots['org']} {slots['obj']}",) if rng.random() < 0.3 else ()
        pending.append((f"syn-{number:07d}", sentence, topic, phrasings, aliases))
        if len(pending) == FACTS_PER_ARTICLE:
            flush(number // FACTS_PER_ARTICLE)
    if pending:
        flush(size // FACTS_PER_ARTICLE)
    with (ROOT / "knowledge" / "aliases.toml").open("rb") as handle:
        aliases = {k: tuple(v) for k, v in tomllib.load(handle)["aliases"].items()}
    return FactBase(sources=sources, facts=tuple(facts), passages=(), aliases=aliases)


def _typo(rng: random.Random, text: str) -> str:
    """One typing slip in the longest word: two letters swapped, one dropped or doubled."""
    words = text.split()
    at = max(range(len(words)), key=lambda i: (len(words[i].strip("?")), -i))
    word = words[at]
    i = rng.randint(1, len(word.strip("?")) - 2)
    slip = rng.choice(["swap", "drop", "double"])
    if slip == "swap":
        word = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    elif slip == "drop":
        word = word[:i] + word[i + 1 :]
    else:
        word = word[:i] + word[i] + word[i:]
    words[at] = word
    return " ".join(words)


def make_questions(base: FactBase, count: int = 32, seed: int = SEED) -> list[Question]:
    """Fragments, full questions and typo'd variants of facts among the first thousand, plus
    questions no fact answers; the same for every base of 1,000 facts or more."""
    rng = random.Random(seed + 2)
    pool = base.facts[: min(1000, len(base.facts))]
    questions: list[Question] = []
    for number in range(count):
        fact = rng.choice(pool)
        question, fragment = fact.phrasings
        style = ("fragment", "full", "typo")[number % 3]
        if style == "fragment":
            words = fact.citations[0].excerpt.rstrip(".").split()
            start = rng.randint(0, max(0, len(words) - 4))
            text = fragment if number % 2 else " ".join(words[start : start + 4]).strip(",")
        elif style == "full":
            text = question
        else:
            text = _typo(rng, question if number % 2 else fragment)
        questions.append(Question(text.lower(), style, fact.id))
    questions += [Question(text, "unrelated", None) for text in UNRELATED]
    return questions
