"""Text normalisation shared by the index and the questions (domain layer: standard library only).

Questions and articles go through the same steps, so that "Zelenksy’s doubts", "zelensky doubts"
and "<@U1> Zelenskyy doubts?" all end up as comparable tokens.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path

from rapidfuzz.distance import Levenshtein

# Slack wraps mentions, channels, links and broadcasts in angle brackets; keep only the
# human-readable label (if any) so a question reads as the person typed it.
_SLACK_LINK = re.compile(r"<([@#!]?)([^<>|]*)(?:\|([^<>]*))?>")
# The bot's own slash command typed into a message ("/peace who rejected?" in a DM, a thread or
# the shell, "<!here> `/peace` who is Petrov?") says where the question was meant to go, not
# what it asks. Only that command: "the US /Russia plan" keeps its words.
_SLASH_COMMAND = re.compile(r"(?<![\w/])/peace(?:bot)?(?![\w/])", re.I)
# A link labelled with its own address: Slack links what looks like an address ("example.com"
# and "desk@example.com" arrive as "<http://example.com|example.com>" and
# "<mailto:desk@example.com|desk@example.com>"), and an address is not part of the question. A
# file's name as a link's label ("<https://files.example/x|zelensky_speech.pdf>") may be.
_SCHEME = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|mailto:)", re.I)
# A numbered list's marker at a line's start ("1. who rejected the plan?"): a message's
# layout, not a number asked about.
_LIST_NUMBER = re.compile(r"^[ \t]*\d{1,2}[.)][ \t]+", re.M)
# Slack writes emoji as short codes (":thinking_face:", ":+1::skin-tone-2:"); they are tone,
# not topic. A code holds a letter, is :+1: / :-1:, or is all digits (":100:") standing on its
# own, so "10:30:15" is left alone.
_EMOJI_CODE = re.compile(
    r":(?:[+-]1|(?=[a-z0-9_+'-]*[a-z])[a-z0-9_+'-]+):|(?<![\d:]):\d+:(?![\d:])"
)
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'"})
# Possessive and contraction endings are noise for matching ("Ukraine’s" ~ "Ukraine").
_POSSESSIVE = re.compile(r"'s\b")  # then every apostrophe goes: "allies'" is "allies"
_WORD = re.compile(r"[^\W_]+")
# The country in capitals ("US-backed", "U.S."), told apart from the pronoun before folding.
_US = re.compile(r"\bU\.S\.(?!\w)|\bUS\b")

# Chat abbreviations, and contractions typed without their apostrophes: filler in a question,
# but never what a typo meant (see `Vocabulary`), or "hops" would become "hows".
ABBREVIATIONS = frozenset(
    """
    per smth sth abt afaik iirc fwiw wdym rn cuz coz itll youll theyll theyd youd ive youve
    weve theyve im youre theyre wheres hows theres heres lemme gimme kinda sorta ya yall thx
    ty rly srsly tbf anyways bc literally legit lowkey wtf wth haha hah heh bruh dude alright
    gotcha awesome wud cud shud fella fellas chap chaps bloke blokes dudes
    smh istg fr fam ikr defo nvm jk tbqh fml meh ugh welp yikes oof dang geez jeez
    whatcha irl af
    """.split()
)
# Words that carry no topic: question words, chat filler, titles ("Dr.") and the most common
# function words.
_NO_TOPIC = frozenset(
    """
    a about above after again against all also am an and any anything anyone are around as
    at be because been before being below between both but by can could did do does doing
    done down during each else ever every few for from further had has have having he her
    here hers herself him himself his how i if in into is it its itself just let lets me
    more most much my myself no nor not now of off on once only or other our ours out over
    same she should ought shall so some something such than that thats the their theirs them
    themselves then there these they this those through to too under until up very was we were what
    whats when where whether which while who whom whos why will with would you your yours
    yourself yet still even hey hi hello yo pls plz please thanks thank ok okay um uh hmm oh
    guys folks team bot peacebot tell told explain know knows give show find anybody
    somebody someone thing things stuff really actual actually exactly basically kind sort like get
    got gonna wanna anyway mean means said say says saying quote quotes quoted according
    article articles story stories piece pieces coverage reporting report reported reports
    account accounts mention mentioned mentions detail details info deal re w u ur r y wat wut wht
    lol tbh btw tldr nah yeah yep huh quick q wait guy happen happens happened happening going go
    goes come comes came make makes made take takes took see look looks think thinks thought
    feel feels felt view views opinion overall statement statements comment comments remark
    remarks whole bit part sum summary summarize summarise gist vibe word anymore currently
    exist exists regarding respond responded response react reacted reaction position stance
    tho though everyone everybody everything never one ones play plays role figure effort
    efforts sure making weigh weighed us link links url remind reminder ngl idk imo imho fyi lmk
    honestly confused curious wondering recap lmao omg hiya dunno gotta inside within among
    across toward towards onto via whose either neither whatever whenever wherever whoever
    however whichever dr mr mrs ms prof argue argues argued arguing argument arguments
    person persons fellow fellows precisely truly definitely obviously
    thoughts opinions reactions responses
    """.split()
)
# Newsroom chatter around a question ("*urgent*", "pull the quote for the carousel", "sanity
# check", "judging by both pieces"): filler, and, like the abbreviations, never what a typo meant,
# or "poll" would become "pull".
NEWSROOM = frozenset(
    """
    urgent urgently asap sanity desk sidebar explainer package verbatim confirm confirming
    quoting headline graphic graphics standup check checking cc ping newsletter blurb caption
    graf lede script pronto wording bullet bullets notes doc docs homepage manager pull
    carousel credit paragraph para bulletin forget forgot missed remember recall travelling
    traveling sounds context judging equally right tonight tomorrow tmrw file files rundown
    backgrounder handy numbered publish credits box episode episodes podcast podcasts pod
    segment segments listeners listener voiceover thread threads channel dm pasting blog blogs
    blogpost tweet tweets post posts angle angles chyron slug kicker subhead standfirst rewrite
    factbox liveblog alert insta instagram tiktok twitter facebook linkedin reel reels video clip
    edition print online web slide slides deck presentation memo email mail
    audience viewers readers reader dek tagline subtitle copy spellings spelt lowercase uppercase
    capitalised capitalized typo typos card cards topic topics
    slate ticker teaser promo strapline
    """.split()
    # Deadlines: "the Cameron quote for the 6pm package".
    + [f"{hour}{half}" for hour in range(1, 13) for half in ("am", "pm")]
)
NOT_TYPO_TARGETS = ABBREVIATIONS | NEWSROOM
STOPWORDS = _NO_TOPIC | NOT_TYPO_TARGETS


def strip_slack_markup(text: str) -> str:
    """Drop Slack's `<...>` markup (keeping a link's label, unless it is the link's own
    address), the bot's slash command and numbered list markers, and decode Slack's HTML
    escapes."""

    def label(match: re.Match[str]) -> str:
        sigil, target, text_label = match.groups()
        if sigil in ("@", "!", "#"):
            # Mentions, broadcasts and channel names are where the question was asked, not
            # what it asks.
            return " "
        if text_label and text_label.strip() != _SCHEME.sub("", target):
            return f" {text_label} "
        return " "  # a bare link: the address is not part of the question

    text = _LIST_NUMBER.sub(" ", _SLASH_COMMAND.sub(" ", text))
    return html.unescape(_SLACK_LINK.sub(label, text))


def strip_emoji_codes(text: str) -> str:
    """Drop Slack's emoji short codes from a message (`fold` leaves them: articles have none)."""
    return _EMOJI_CODE.sub(" ", text)


def fold(text: str) -> str:
    """Lower-case, strip accents, unify quotes and dashes, drop Slack markup."""
    text = _US.sub("USA", strip_slack_markup(text))
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.translate(_APOSTROPHES).casefold()
    text = _POSSESSIVE.sub("", text)
    return text.replace("'", "")


def words(text: str) -> list[str]:
    """The folded word tokens of `text`, in order (punctuation, dashes and markup removed)."""
    return _WORD.findall(fold(text))


STEM_LENGTH = 6


def stem(token: str) -> str:
    """A deliberately crude stemmer: the first six characters.

    Truncation conflates the inflections that matter here (reject/rejected/rejection,
    negotiate/negotiations, Ukraine/Ukrainian, peacekeepers/peacekeeping) and is predictable.
    """
    return token[:STEM_LENGTH]


# The particles of phrasal verbs, and how many words of object may stand between verb and
# particle ("turn *the peace plan* down"). The object is content words or these; any other
# stop word ("to", "of", "is") ends the search: "turn to china down the road" has no object.
_PARTICLES = frozenset({"down", "out", "back", "off", "up", "away", "aside"})
_MAX_OBJECT_WORDS = 3
# Past forms of phrasal verbs that do not end in -ed ("the plan Russia shot down").
_IRREGULAR_PAST = frozenset(
    "shot drew drawn gave given laid sat wrote written put dreamt broke broken threw thrown "
    "took taken made held kept left brought sent set spelt".split()
)
_OBJECT_WORDS = frozenset("the a an it them this that these those his her their its".split())


def _is_spelling(variant: str, word: str) -> bool:
    """Whether `variant` is another spelling of `word` (Kiev/Kyiv), not another word."""
    return min(len(variant), len(word)) >= 4 and Levenshtein.distance(variant, word) <= 2


class AliasMap:
    """Maps spelling variants and synonyms (single words or phrases) to one canonical form."""

    def __init__(self, groups: Mapping[str, Iterable[str]]) -> None:
        self._phrases: dict[tuple[str, ...], tuple[str, ...]] = {}
        for canonical, variants in groups.items():
            target = tuple(words(canonical))
            for variant in variants:
                key = tuple(words(variant))
                if key and key != target:
                    self._phrases[key] = target
        # A phrase with one of its words spelt another way is the phrase too: "jens stoltenburg"
        # is "jens stoltenberg", since "stoltenburg" is a spelling of "stoltenberg". Only
        # spellings (a letter or two apart), not synonyms: "giving up" is not "fatigue".
        spellings: dict[str, list[str]] = {}
        for key, target in self._phrases.items():
            if len(key) == 1 and len(target) == 1 and _is_spelling(key[0], target[0]):
                spellings.setdefault(target[0], []).append(key[0])
        for key, target in list(self._phrases.items()):
            if len(key) < 2:
                continue
            for at, word in enumerate(key):
                for spelling in spellings.get(word, ()):
                    self._phrases.setdefault((*key[:at], spelling, *key[at + 1 :]), target)
        self._longest = max((len(k) for k in self._phrases), default=0)
        # Phrasal verbs whose particle may stand after the object: "turn the plan down" (not
        # a filler word's phrase, such as "wait out"; "pull the troops back" is one, though a
        # bare "pull", as in "pull the quote", is chatter); and the word pairs that start a
        # phrase, whose particle stays where it is.
        self._separable: dict[str, set[str]] = {}
        self._starts: set[tuple[str, ...]] = {key[:2] for key in self._phrases if len(key) > 1}
        for key in self._phrases:
            if len(key) == 2 and key[1] in _PARTICLES and key[0] not in _NO_TOPIC:
                self._separable.setdefault(key[0], set()).add(key[1])

    @property
    def variant_words(self) -> set[str]:
        """Every word that appears in a variant or canonical form (useful as typo targets)."""
        found: set[str] = set()
        for key, target in self._phrases.items():
            found.update(key)
            found.update(target)
        return found

    def rejoin(self, tokens: list[str]) -> list[str]:
        """`tokens` with each separated phrasal verb put back together ("turn the plan down" ->
        "turn down the plan"), so that `apply` sees the phrase. Used on questions: people split
        these verbs, while the curated phrasings can always be written whole."""
        if not self._separable:
            return tokens
        out = list(tokens)
        for i, token in enumerate(out):
            particles = self._separable.get(token)
            if not particles or (i + 1 < len(out) and out[i + 1] in particles):
                continue
            # The particles a nearer verb takes: "the US-backed plan Russia turned down" was
            # not backed down. (Only a past or -ing form is surely a verb: "troops" takes "out"
            # too, in "pulling troops out".)
            taken: set[str] = set()
            for j in range(i + 1, min(i + 2 + _MAX_OBJECT_WORDS, len(out))):
                if out[j] in taken:
                    break
                if out[j].endswith(("ed", "ing")) or out[j] in _IRREGULAR_PAST:
                    taken |= self._separable.get(out[j], set())
                if out[j] in particles:
                    # "down the road" is a phrase of its own, and keeps its "down".
                    if tuple(out[j : j + 2]) not in self._starts:
                        out.insert(i + 1, out.pop(j))
                    break
                if out[j] in STOPWORDS and out[j] not in _OBJECT_WORDS:
                    break
        return out

    def apply(self, tokens: list[str]) -> list[str]:
        """Rewrite `tokens`, replacing the longest matching variant phrase at each position."""
        if not self._phrases:
            return tokens
        out: list[str] = []
        i = 0
        while i < len(tokens):
            for size in range(min(self._longest, len(tokens) - i), 0, -1):
                target = self._phrases.get(tuple(tokens[i : i + size]))
                if target is not None:
                    out.extend(target)
                    i += size
                    break
            else:
                out.append(tokens[i])
                i += 1
        return out


def name_words(name: str) -> tuple[str, ...]:
    """The words of a person's name without titles or filler: "Dr. Petrov" is ("petrov",)."""
    return tuple(w for w in words(name) if w not in STOPWORDS)


def names(name: tuple[str, ...], text_words: list[str]) -> bool:
    """Whether `text_words` hold the words of `name` in a row (whole words: not "Cameroon")."""
    size = len(name)
    return size > 0 and any(
        tuple(text_words[i : i + size]) == name for i in range(len(text_words) - size + 1)
    )


def content_stems(tokens: Iterable[str]) -> list[str]:
    """Stems of the tokens that carry meaning, order kept, duplicates removed."""
    seen: dict[str, None] = {}
    for token in tokens:
        if token not in STOPWORDS:
            seen.setdefault(stem(token), None)
    return list(seen)


# Everyday verbs, adjectives and adverbs that colour a question without naming its subject
# ("why are allies *uneasy*", "is moscow *willing*"). They count for little either way, so a
# paraphrase is not declined for using one the articles don't, while the nouns that name what
# is asked about (Biden, oil, refugees, price) keep their full weight.
GENERIC = frozenset(
    """
    able act add admit affect afraid aim allow alone already anger angry announce answer
    appear apply argue arrive ask assume avoid aware bad back bear beat become begin believe
    belong best better big blame bother break bring build built busy buy call calm care
    carry catch cause certain change cheap check choose clear close come common complete
    confirm consider contain correct could count cover crazy create cut decide describe
    deserve develop different difficult direct do drive drop early easy effect eager enjoy
    enough entire even exact expect explain face fact fair fall false far feel fill fine
    finish fit fix follow forget fresh full fun generally get give glad go good great handle
    happy hard hate have head hear heavy help high hit hold honest huge hurt idea imagine
    important include increase indeed instead intend interested involve keep kind know large
    last late lead learn least leave less let likely little live look lose lot love low main
    make manage matter may maybe meet might mind miss more move much must near need new next
    nice normal notice often old part pass pay pick place plain play please point
    possible prefer prepare prepared press pretty probably problem promise prove provide
    pull push put question quick quite raise rather reach read realistic really reason
    recent refer relate remain remember remove repeat require rest result right rise run
    same save say second seem seen send serious set show simple since sit small so soon sort
    speak stand start stay step stick still stop straight strange such suggest suppose sure
    surprise take tend thing think throw tight totally touch tough true try turn uneasy
    unhappy unlikely unsure upset use usual very want watch way well whole wide willing wish
    wonder work worried worry worse worth write wrong yet beyond stake stakes earlier predict
    forecast own version list key agree disagree differ compare versus vs voice discuss
    """.split()
)


def is_generic(token: str) -> bool:
    """Whether `token` is an everyday word (or an inflection of one) from `GENERIC`."""
    if token in GENERIC:
        return True
    candidates = []
    for suffix in ("ing", "ed", "es", "s", "d", "ly"):
        if token.endswith(suffix) and len(token) > len(suffix) + 2:
            base = token[: -len(suffix)]
            candidates += [base, base + "e"]
            if len(base) > 2 and base[-1] == base[-2]:
                candidates.append(base[:-1])  # "stopped" -> "stop"
            if base.endswith("i"):
                candidates.append(base[:-1] + "y")  # "worried" -> "worry"
    return any(c in GENERIC for c in candidates)


def is_english(token: str) -> bool:
    """Whether `token` is a common English word: one of the `ENGLISH_WORDS` or `GENERIC`, or
    one of them with a regular ending ("voters", "agreed"; not a slip such as "treatd")."""
    return not word_forms(token).isdisjoint(_COMMON_WORDS)


def same_word(one: str, other: str) -> bool:
    """Whether `one` and `other` are forms of one word: inflections ("names" and "name",
    "scheduled" and "schedule", "withdrew" and "withdraw") or British and American spellings
    ("kilometres" and "kilometers"); "planes" and "plans" are not."""
    return not word_forms(one).isdisjoint(word_forms(other))


def word_forms(token: str) -> set[str]:
    """`token` and the words it may be a regular or irregular inflection of, each also in its
    American spelling (`same_word`)."""
    forms = {token}
    for ending in ("ing", "ed", "es", "s", "d", "ly"):
        base = token[: -len(ending)]
        if not token.endswith(ending) or len(base) < 3:
            continue
        if ending == "es" and not base.endswith(("s", "x", "z", "ch", "sh", "o", "i")):
            continue  # "planes" is "plane" + "s", not "plan" + "es"
        if ending == "d" and not base.endswith("e"):
            continue  # "agreed", "used"; "treatd" is a slip
        forms.add(base)
        if ending in ("ing", "ed"):
            forms.add(base + "e")  # "scheduled" -> "schedule"
            if base[-1] == base[-2]:
                forms.add(base[:-1])  # "stopped" -> "stop"
        if base.endswith("i"):
            forms.add(base[:-1] + "y")  # "worried" -> "worry"
    forms |= {_IRREGULAR[f] for f in forms if f in _IRREGULAR}
    return forms | {_american(f) for f in forms}


def _american(word: str) -> str:
    """`word` in American spelling, by its ending ("favour" -> "favor", "centre" -> "center",
    "criticise" -> "criticize")."""
    for british, american in _SPELLINGS:
        if word.endswith(british) and len(word) > len(british) + 2:
            return word[: -len(british)] + american
    return word


_SPELLINGS = (("our", "or"), ("tre", "ter"), ("ise", "ize"), ("yse", "yze"), ("isation", "ization"))
# Irregular forms of verbs and nouns people use about news, by the word they are a form of.
_IRREGULAR = {
    form: word
    for word, forms in {
        "withdraw": "withdrew withdrawn",
        "speak": "spoke spoken",
        "grow": "grew grown",
        "freeze": "froze frozen",
        "swear": "swore sworn",
        "foresee": "foresaw foreseen",
        "analysis": "analyses",
        "crisis": "crises",
        "begin": "began begun",
        "bring": "brought",
        "buy": "bought",
        "choose": "chose chosen",
        "fight": "fought",
        "give": "gave given",
        "hold": "held",
        "keep": "kept",
        "know": "knew known",
        "lead": "led",
        "lose": "lost",
        "mean": "meant",
        "seek": "sought",
        "send": "sent",
        "take": "took taken",
        "tell": "told",
        "think": "thought",
        "write": "wrote written",
        "drive": "drove driven",
        "break": "broke broken",
        "fall": "fell fallen",
        "rise": "rose risen",
        "draw": "drew drawn",
        "forget": "forgot forgotten",
        "understand": "understood",
        "win": "won",
        "sell": "sold",
        "teach": "taught",
        "catch": "caught",
        "hide": "hid hidden",
        "shake": "shook shaken",
        "throw": "threw thrown",
    }.items()
    for form in forms.split()
}


def _word_list(name: str) -> frozenset[str]:
    """The words of a list kept beside this module (one per line; `#` starts a comment)."""
    text = (Path(__file__).with_name(name)).read_text(encoding="utf-8")
    return frozenset(w for line in text.splitlines() if (w := line.split("#")[0].strip()))


# Common English words, written for this project, so that typo correction leaves them alone:
# "nuclear" is no slip for "unclear", nor "plant" for "plan" (`knowledge.vocabulary`).
ENGLISH_WORDS = _word_list("english_words.txt")
_COMMON_WORDS = ENGLISH_WORDS | GENERIC
