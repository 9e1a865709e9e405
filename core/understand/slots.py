"""Answers read the way people write them: a name from "I'm Priya", skills and levels from
"python please, and some sql", languages, places and hours from phrases.

Each reader turns a phrase into the plain form the field's parser already reads (a name,
"Python, SQL: beginner", "English, Hindi", "Pune", "Mon-Fri 19:00-22:00"), so the checks
stay where they are (core.dialogs.fields) and a reading is shown back before it is saved.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from rapidfuzz import fuzz

from core.skills import Level, TypedSkill, parse_level, split_skill_list

_NAME_LEAD = re.compile(
    r"^(?:(?:hi|hey|hello|hii|hlo)\b[,!. ]*)?(?:i am|i'm|im|it's|its|this is|my name is|my name's|"
    r"name is|name's|name:|call me|you can call me|people call me|mera naam hai|mera naam|"
    r"main|mai|myself|naam hai|naam|(?:my )?(?:friends|everyone|people|they|folks) call me)\s+",
    re.IGNORECASE,
)
# What follows a name in a chat: "Nikhil from Pune", "Ravi, software engineer", "Aditi
# (she/her)", "shreya and i want to learn react", "Kavya hu", "Suresh hai".
_NAME_TAIL = re.compile(
    r"\s*(?:[,(;|]|\s-\s|\b(?:from|here|and|aur|hu|hoon|hun|hai|h|please|pls|thanks|"
    r"thank you|btw|by the way|working|studying)\b).*$",
    re.IGNORECASE,
)
# Words of a sentence, not of a name: "i want to learn python" is not somebody's name.
_NOT_NAMES = frozenset(
    [
        "i",
        "me",
        "my",
        "want",
        "need",
        "learn",
        "teach",
        "find",
        "how",
        "what",
        "why",
        "when",
        "where",
        "who",
        "is",
        "are",
        "am",
        "the",
        "to",
        "for",
        "with",
        "or",
        "of",
        "in",
        "on",
        "at",
        "can",
        "could",
        "would",
        "should",
        "please",
        "mentor",
        "session",
        "book",
        "thanks",
        "not",
        "sikhna",
        "chahiye",
        "a",
        "an",
        "the",
        "and",
    ]
)
# Whole answers that are not a name: "skip", "no", "idk", and the words that always work.
_NOT_A_NAME = frozenset(
    [
        "skip",
        "no",
        "yes",
        "ok",
        "okay",
        "idk",
        "hi",
        "hello",
        "hey",
        "help",
        "cancel",
        "stop",
        "quit",
        "menu",
        "back",
        "restart",
        "none",
        "na",
        "nah",
        "nahi",
        "nope",
        "later",
        "pass",
        "nothing",
        "test",
        "start",
    ]
)
# Letters of any script (with their marks), dots, hyphens, apostrophes; no digits.
_NAME_WORD = re.compile(r"^[^\d\s_!?,;:@#/\\()\[\]{}<>=+*&%$^~`|\"]+$")


def _letters_only(text: str, also: str = "") -> str:
    """The text without emoji (other symbols, and any in `also`, kept)."""
    # Emoji and pictographs go without splitting a word; everything else stays as typed
    # (U+FFFD marks a character that arrived broken; "<Dev> & co" is somebody's choice).
    kept = "".join(ch for ch in text if unicodedata.category(ch) != "So" or ch in also + "\ufffd")
    return " ".join(kept.split())


def _end_clean(text: str) -> str:
    """Trailing punctuation off — but an initial keeps its dot ("Xin L.")."""
    t = text.strip(" !,?")
    while t.endswith(".") and not re.search(r"(?:^|\s)\w\.$", t):
        t = t[:-1].rstrip(" !,?")
    return t.lstrip(" .!,?")


def read_name(text: str) -> str | None:
    """The name in "I'm Priya", "call me Raj", "my name is Anita Desai", "main Kavya hu",
    or a bare name. None when it reads as a sentence or a one-word answer, not a name."""
    t = _end_clean(_letters_only(text))
    if t.casefold() in _NOT_A_NAME or " ".join(t.casefold().split()) in ("start over", "go back"):
        return None
    if _not_an_answer(t):
        return None
    t = _NAME_LEAD.sub("", t, count=1)
    t = _NAME_LEAD.sub("", t, count=1)  # "hi, my name is …"
    head = _end_clean(_NAME_TAIL.sub("", t).strip(" -"))
    if head:
        t = head
    words = t.split()
    if not 1 <= len(words) <= 6 or not all(_NAME_WORD.match(w) for w in words):
        return None
    if any(_sentence_word(w) for w in words) or not any(c.isalpha() for c in t):
        return None
    if t.casefold() in _NOT_A_NAME:
        return None
    if t.islower() or (t.isupper() and len(t) > 2):
        t = " ".join(w[:1].upper() + w[1:].lower() for w in words)
    return t


_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "poiuytrewq", "lkjhgfdsa", "mnbvcxz")


def _not_an_answer(t: str) -> bool:
    """ "skip this pls", "cancel this", "okk", "asdf": a non-answer said loosely, or a mash."""
    words = t.casefold().split()
    if not words:
        return True
    words = [re.sub(r"([a-z])\1+$", r"\1", w) for w in words]
    fillers = {"this", "it", "pls", "plz", "please", "for", "now", "bro", "lol", "question"}
    if words[0] in _NOT_A_NAME | {"hm", "um", "uh"} and all(
        w in fillers or w in _NOT_A_NAME for w in words[1:]
    ):
        return True
    return len(words) == 1 and len(words[0]) >= 4 and any(words[0] in r for r in _KEYBOARD_ROWS)


def looks_like_sentence(text: str) -> bool:
    """More than a name: many words, or words a name doesn't have ("i want to learn")."""
    words = text.split()
    return len(words) > 6 or any(_sentence_word(w) for w in words)


def _sentence_word(word: str) -> bool:
    """A word of a sentence: "a" is one, but "A." is somebody's initial."""
    bare = word.strip(".,!?")
    if len(bare) == 1 and (bare.isupper() or word.endswith(".")):
        return False
    return bare.casefold() in _NOT_NAMES


# ---- corrections ---------------------------------------------------------------------

# "no wait, I meant SQL", "sorry, meant java", "make that react": what follows replaces it.
_MEANT = re.compile(
    r"^.*?\b(?:i meant|i mean to say|meant|make (?:that|it)|change (?:that|it) to|correction)"
    r"\s*[:,-]?\s+(?P<new>\S.*)$",
    re.IGNORECASE | re.DOTALL,
)
# "SQL not NoSQL", "python, not java", "react instead of angular": the skill said against.
_NEGATED = re.compile(
    r"[,(]?\s*\b(?:not|instead of|rather than|but not)\s+(?P<neg>[^,;.!?()\n]+?)"
    r"(?=\s*(?:[,;.!?()\n]|\s-\s|\band\b|\bbut\b|$))",
    re.IGNORECASE,
)


def corrected(text: str, names_skill: Callable[[str], bool] = lambda phrase: False) -> str:
    """A message with its corrections applied: the words after "I meant", without a skill
    said against ("not NoSQL"). `names_skill`: whether a phrase names a catalogue skill; a
    "not" before anything else ("is it not free?", "not sure") stays as written."""
    m = _MEANT.match(text)
    if m is not None and m.group("new").strip(" .!?"):
        text = m.group("new")

    def drop(n: re.Match[str]) -> str:
        neg = n.group("neg").strip()
        return "" if len(neg.split()) <= 3 and names_skill(neg) else n.group(0)

    return " ".join(_NEGATED.sub(drop, text).split())


_LEVEL_PHRASES: tuple[tuple[re.Pattern[str], Level], ...] = (
    (
        re.compile(
            r"\b(?:new to|learning|beginner (?:in|at|with)|beginner|just started(?: with)?|"
            r"a (?:little )?bit of|a little|basics of|little|basic|starting(?: with)?|"
            r"noob (?:in|at)|new in|beginner to|basic knowledge (?:of|in)|knowledge of)\s+(?P<rest>.+)$"
            r"|^(?P<pre>.+?)\s+(?:beginner(?: level)?|basics?|"
            r"(?:a )?little|a bit|thoda|a[12](?: level)?)$"
        ),
        "beginner",
    ),
    (
        re.compile(
            r"\b(?:decent (?:at|in|with)|okay (?:at|with)|ok (?:at|with)|know|use|intermediate"
            r"(?: (?:in|at))?|comfortable with|familiar with|working on)\s+(?P<rest>.+)$"
            r"|^(?P<pre>.+?)\s+(?:intermediate(?: level)?|daily|regularly|a lot|at work|"
            r"b[12](?: level)?)$"
        ),
        "intermediate",
    ),
    (
        re.compile(
            r"\b(?:good (?:at|in|with)|great (?:at|in|with)|expert (?:at|in)|expert|strong "
            r"(?:in|at)|advanced|pro at|pro in|fluent in|master of|very good at)\s+(?P<rest>.+)$"
            r"|^(?P<pre>.+?)\s+(?:advanced(?: level)?|expert|very well|well|professionally|fluent|"
            r"c[12](?: level)?)$"
        ),
        "advanced",
    ),
)
_FILLER = re.compile(
    r"^(?:(?:and|also|plus|maybe|mostly|mainly|especially|like|then|too|i|i'm|im|i am|am|"
    r"want to|wanna|want|need|would like to|i'd like to|id like to|i'd love to|to|learn|"
    r"learning|teach|"
    r"study|do|please|pls|some|thoda|add|use|using|know|a lot of|lots of|a|an|the|about|with|"
    r"in|at|on|of|for|skills?|mujhe|aur|mainly|currently)\s+)+",
    re.IGNORECASE,
)
_TRAIL = re.compile(
    r"(?:\s+(?:please|pls|plz|too|also|as well|and stuff|etc|maybe|thanks|thank you|hoon|hu|hun|"
    r"aata hai|aati hai|aata|aati|"
    r"basics|stuff|things|sikhna hai|sikhna|seekhna hai|sikhni hai|hai|chahiye|level|"
    r"these days|nowadays|right now|currently|whichever|or whatever|anything|any|now|later|"
    r"next|first|soon|someday|eventually))+$",
    re.IGNORECASE,
)
_SPLIT = re.compile(
    r"\s*(?:,|;|\n|\||&|(?<=\))\s+(?=\w)|\s\+\s|\+(?=[a-z])|\band\b|\baur\b|\bn\b|\bplus\b|\balso\b|"
    r"\bor\b|\bbut\b|\.{2,}|\s-\s(?=(?:both|all)\b)|/(?!\w*\.))\s*",
    re.IGNORECASE,
)
# A level said on its own ("total noob", "beginner level"): it applies to the skills around it.
_LEVEL_ALONE: dict[str, Level] = {
    "noob": "beginner",
    "total noob": "beginner",
    "newbie": "beginner",
    "complete beginner": "beginner",
    "total beginner": "beginner",
    "fresher": "beginner",
    "beginner level": "beginner",
    "intermediate level": "intermediate",
    "advanced level": "advanced",
    "expert level": "advanced",
}
# What people say they are new to or good at that no catalogue has as one skill.
_GENERIC = frozenset(
    ["coding", "programming", "code", "tech", "computers", "it all", "everything", "all of it"]
)
# Answers that name no skill at all.
_NO_SKILLS = re.compile(
    r"^(?:cancel|skip|stop|none|nothing|idk|no idea|not sure|dont know|don't know|help|"
    r"menu|back)\b",
    re.IGNORECASE,
)


# Words people use for a level, said the way they type them; each becomes the level's own word
# so the phrases above read it: "newbie in go", "ok-ish with power bi", "statistics medium".
_LEVEL_WORDS: dict[str, Level] = {
    "beginner": "beginner",
    "beginners": "beginner",
    "newbie": "beginner",
    "noob": "beginner",
    "intermediate": "intermediate",
    "medium": "intermediate",
    "advanced": "advanced",
    "advance": "advanced",
}
# Everyday words that say a level only in an answer about one's skills ("weak in physics"),
# not in a search ("songs by bad bunny").
_LEVEL_LOOSE: dict[str, Level] = {
    "weak": "beginner",
    "bad": "beginner",
    "average": "intermediate",
    "ok-ish": "intermediate",
    "okish": "intermediate",
}
# The level words a typo is measured against ("beginer", "intermidiate", "advnced").
_LEVEL_SPELLINGS: tuple[Level, ...] = ("beginner", "intermediate", "advanced")
# "3/5", "7/10": a rating out of 5 or 10 is a level by its share of the top mark.
_RATING = re.compile(r"\b(?:(?:i )?rate myself\s+)?(\d{1,2})\s*/\s*(5|10)\b", re.IGNORECASE)
# "python mein beginner hoon": Hindi's "in" after the skill, before the level.
_MEIN = re.compile(r"\s+(?:mein|me|main)\s+(?=(?:beginner|intermediate|advanced)\b)", re.I)
# "beginner: python, sql", "intermediate - react, node": one level for the whole list.
_LEVEL_FIRST = re.compile(
    r"^\s*(beginner|intermediate|advanced)\s*(?::|\s-\s)\s*(?P<rest>\S.*)$", re.IGNORECASE
)
# "java & python both beginners", "react n node both intermediate": one level for both.
_LEVEL_FOR_ALL = re.compile(
    r"^(?P<rest>.+?)[\s,-]+(?:both|all(?: of them)?)\s+(?:are\s+|at\s+)?"
    r"(?P<level>beginner|intermediate|advanced)(?: level)?$",
    re.IGNORECASE,
)


def _rated(m: re.Match[str]) -> str:
    share = int(m.group(1)) / int(m.group(2))
    if share > 1:
        return m.group(0)
    return "beginner" if share <= 0.4 else "intermediate" if share <= 0.6 else "advanced"


def said_level(
    word: str, is_skill: Callable[[str], bool] = lambda name: False, loose: bool = False
) -> Level | None:
    """The level one word says, typos included ("newbie", "beginer", "advnced"); else None.
    `loose`: everyday words too ("weak", "ok-ish"), where the text is about one's skills."""
    low = word.casefold()
    if low in _LEVEL_WORDS or (loose and low in _LEVEL_LOOSE):
        return _LEVEL_WORDS.get(low) or _LEVEL_LOOSE[low]
    if len(low) < 6 or not low.isalpha() or is_skill(word):
        return None
    best = max(_LEVEL_SPELLINGS, key=lambda lv: fuzz.ratio(low, lv))
    # 80: one or two letters off a long word ("beginnner", "intermidiate"), not "engineer".
    return best if fuzz.ratio(low, best) >= 80 else None


def _level_word(word: str, is_skill: Callable[[str], bool]) -> str:
    """One word as its level's own word when it says a level; else as is."""
    return said_level(word, is_skill, loose=True) or word


def level_words(text: str, is_skill: Callable[[str], bool] = lambda name: False) -> str:
    """The text with every way of saying a level turned into the level's own word:
    "advnced excel" -> "advanced excel", "3/5 in sql" -> "intermediate in sql"."""
    text = _RATING.sub(_rated, text)
    words = re.split(r"(\s+|[,;:|()/&])", text)
    text = "".join(_level_word(w, is_skill) if w.strip() else w for w in words)
    text = re.sub(r"\bpro level\b", "advanced level", text, flags=re.IGNORECASE)
    text = re.sub(r"\bbasic knowledge (?:of|in)\b", "basics of", text, flags=re.IGNORECASE)
    # "… beginner hoon / hu / hai": Hindi's "am" / "is" after the level says nothing more.
    text = re.sub(
        r"\b(beginner|intermediate|advanced)\s+(?:hoon|hun|hu|hai|h)\b", r"\1", text, flags=re.I
    )
    return _MEIN.sub(" ", text)


def read_skills(
    text: str, is_skill: Callable[[str], bool] = lambda name: False
) -> list[TypedSkill]:
    """Skills and levels from a sentence: "I'm decent at React and learning Go" ->
    React (intermediate), Go (beginner). A list in the documented form reads as before.
    `is_skill`: the catalogue's word on a phrase, so "research and development" stays one
    and "html css js" is three."""
    text = corrected(text, is_skill)
    if _NO_SKILLS.match(text.strip()):
        return []
    listed, errors = split_skill_list(text)
    if not errors and listed and all(_plain(s.name, is_skill) for s in listed):
        return listed
    text = level_words(text, is_skill)
    shared: Level | None = None
    for said_once in (_LEVEL_FIRST, _LEVEL_FOR_ALL):
        once = said_once.match(text.strip(" .!?"))
        if once is not None:
            said = once.group(1) if said_once is _LEVEL_FIRST else once["level"]
            shared = parse_level(said.casefold())
            text = once.group("rest")
    out: list[TypedSkill] = []
    for group in _GROUPS.split(text):
        found: list[TypedSkill] = []
        for raw in _SPLIT.split(group):
            said, alone = _piece_skills(raw, is_skill)
            shared = shared or alone
            if said and said[-1].level and _LEVEL_AFTER.search(raw.strip(" .!?")):
                # "html/css beginner", "digital marketing and seo - intermediate": a level
                # said after the last of skills joined by and / & / slash is theirs too;
                # one said before a skill ("a bit of sql and some python") is its alone.
                found = [TypedSkill(sk.name, sk.level or said[-1].level) for sk in found]
            found.extend(said)
        out.extend(found)
    if shared is not None:
        out = [TypedSkill(s.name, s.level or shared) for s in out]
    return out


_GROUPS = re.compile(r"\s*(?:,|;|\n|\|)\s*")
_LEVEL_AFTER = re.compile(
    r"\b(?:beginner|intermediate|advanced|expert|basics?|fluent)(?: level)?\)?$", re.IGNORECASE
)


def _piece_skills(
    raw: str, is_skill: Callable[[str], bool]
) -> tuple[list[TypedSkill], Level | None]:
    """One piece of an answer -> its skills, and a level it says for the whole answer."""
    piece = raw.strip(" .!?")
    if not piece:
        return [], None
    if piece.casefold() in ("whichever", "whatever", "anything", "any", "etc", "etc."):
        return [], None
    own = _standalone_level(piece)
    if own is not None:  # "…, beginner level": one level for the skills around it
        return [], own
    shared: Level | None = None
    lead = re.match(r"^(beginner|intermediate|advanced) level\s+", piece, re.IGNORECASE)
    if lead is not None:  # "beginner level java and python"
        shared = parse_level(lead.group(1))
    level, piece = _level_of(piece)
    typed = split_skill_list(piece)[0]
    if typed and typed[0].level is not None:
        piece, level = typed[0].name, typed[0].level
    names = _names_in(_TRAIL.sub("", _FILLER.sub("", piece)).strip(" .!?"), is_skill)
    if len(names) == 1 and names[0].casefold() in _GENERIC and not is_skill(names[0]):
        return [], shared or level  # "total noob at coding, want python": python's level
    return [TypedSkill(name, level) for name in names], shared


# Levels said as a phrase after the skills: "never coded before", "know the basics", "used it
# at work for 2 yrs", CEFR's "A2 level".
_LEVEL_SAID: tuple[tuple[re.Pattern[str], Level], ...] = (
    (
        re.compile(
            r"^(?:(?:i )?(?:have )?never (?:coded|programmed|used it|done it|tried it|learnt it|"
            r"learned it)(?: before)?|(?:i )?(?:just|only just) (?:started|starting|began|"
            r"beginning)(?: out)?|(?:i )?(?:know|learnt|learned|have) (?:only )?(?:the |some |a "
            r"few )?basics|only (?:the )?basics|basics only|(?:i have )?no idea|zero (?:knowledge|"
            r"experience)|no (?:knowledge|experience)|(?:very|totally|completely) new|new to (?:it|"
            r"this|them)|from scratch|a[12](?: level)?)$"
        ),
        "beginner",
    ),
    (
        re.compile(
            r"^(?:(?:i )?(?:have )?used (?:it|them|both) (?:at work|professionally|a lot|daily)"
            r"(?: for (?:[1-3]|one|two|three) (?:yrs?|years?))?|[1-3] (?:yrs?|years?)(?: of)?"
            r"(?: (?:experience|exp))?|b[12](?: level)?)$"
        ),
        "intermediate",
    ),
    (
        re.compile(
            r"^(?:(?:[4-9]|1\d)\+? (?:yrs?|years?)(?: of)?(?: (?:experience|exp))?|c[12](?: level)?"
            r"|(?:i )?(?:use it|work with it|worked with it) (?:professionally|every day) for "
            r"(?:[4-9]|1\d) (?:yrs?|years?))$"
        ),
        "advanced",
    ),
)


def _standalone_level(piece: str) -> Level | None:
    low = " ".join(re.sub(r"[^\w\s]", " ", piece.casefold()).split())
    low = re.sub(r"^(?:i am |im |i'm |i m )?(?:at )?(?:an? )?", "", low)
    low = re.sub(r"^(?:both|all|all of them|each)(?: (?:at|are|is))? (?=\w)", "", low)
    said = next((lv for pattern, lv in _LEVEL_SAID if pattern.match(low)), None)
    return _LEVEL_ALONE.get(low) or parse_level(low) or said


def _names_in(phrase: str, is_skill: Callable[[str], bool]) -> list[str]:
    """One phrase -> its skill names: "spring boot microservices" is two when it splits into
    skills and the whole isn't one; "cn for placements" and "dsa in java" likewise; "interview
    prep for product companies" keeps the skill and drops the rest."""
    phrase = _letters_only(phrase, also="+#/").strip(" ,.-")
    if not phrase or len(phrase) > 60:
        return []
    if is_skill(phrase):
        return [phrase]
    for sep in (" for ", " in ", " - ", " with ", " using "):
        left, found, right = phrase.partition(sep)
        if found and is_skill(left):
            return [left, right] if is_skill(right) else [left]
        run = _segment(left.split(), is_skill) if found and sep == " for " else None
        if run:  # "dbms os cn for placements": the skills, not the purpose
            return run
    words = phrase.split()
    cover = _segment(words, is_skill)
    if cover is not None and len(cover) > 1:
        return cover
    return [phrase]


def _segment(words: list[str], is_skill: Callable[[str], bool]) -> list[str] | None:
    """The words cut into runs that are each a skill (longest runs first), or None."""
    if not words:
        return []
    for n in range(min(4, len(words)), 0, -1):
        head = " ".join(words[:n])
        if is_skill(head):
            tail = _segment(words[n:], is_skill)
            if tail is not None:
                return [head, *tail]
    return None


def _plain(name: str, is_skill: Callable[[str], bool]) -> bool:
    """A list item that is just a skill name, not a phrase around one."""
    if is_skill(name):
        return True
    if len(name.split()) > 1 and any(is_skill(w) for w in name.split()):
        return False
    if _standalone_level(name) is not None:
        return False
    joined = re.search(r"\b(?:and|plus|also|aur|n)\b|&|/|\s\+\s", name, re.IGNORECASE)
    return (
        len(name.split()) <= 3
        and not joined
        and _FILLER.match(name + " ") is None
        and _level_of(name)[0] is None
    )


def _level_of(piece: str) -> tuple[Level | None, str]:
    """The level a phrase says and the phrase without it: "good at java" -> advanced, java."""
    low = re.sub(
        r"\b(?:really|very|pretty|quite|super|fairly|kinda|somewhat|reasonably) (?=(?:good|"
        r"strong|decent|comfortable|familiar|great|new|ok|okay) )",
        "",
        piece.strip(),
        flags=re.IGNORECASE,
    )
    said = re.match(r"^(?P<skill>.+?)\s*(?:\s-\s|:|\(|,)\s*(?P<level>[^()]+?)\)?$", low)
    if said is not None:  # "tableau - no idea", "spanish (A2 level)"
        level = _standalone_level(said.group("level"))
        if level is not None:
            return level, said.group("skill")
    at_level = re.search(
        r"\s+at (?:an? )?(beginner|intermediate|advanced|expert) level$", low, re.IGNORECASE
    )
    if at_level is not None:  # "React at an intermediate level"
        return parse_level(at_level.group(1)), low[: at_level.start()]
    lead = re.match(
        r"^(?:i am |im |i'm )?(?:at )?(?:an? )?(beginner|intermediate|advanced) level "
        r"(?:in |at |with )?",
        low,
        re.IGNORECASE,
    )
    if lead is not None:  # "I'm at intermediate level in excel"
        return parse_level(lead.group(1)), low[lead.end() :]
    years = _YEARS_OF.match(low)
    if years is not None:  # "I've used pandas at work for 2 years", "5 yrs of java"
        n = _number(years.group("n") or years.group("n2") or years.group("n3"))
        if n is not None and (years.group("unit") or years.group("unit2") or "y").startswith("m"):
            n = n // 12
        if n is not None:
            by_years: Level = "beginner" if n < 1 else "intermediate" if n <= 3 else "advanced"
            return by_years, next((g for g in years.group("skill", "skill2", "skill3") if g), "")
    matches = [(pattern.search(low.casefold()), level) for pattern, level in _LEVEL_PHRASES]
    # A level said after the skill ("java well") outranks a verb before it ("I know java").
    ordered = sorted(
        ((m, lv) for m, lv in matches if m is not None), key=lambda ml: ml[0].group("pre") is None
    )
    for m, level in ordered:
        if m is not None:
            rest = m.group("rest") or m.group("pre") or ""
            start = low.casefold().find(rest)
            return level, low[start : start + len(rest)] if start >= 0 else rest
    bracketed = re.search(r"\((\w+)\)\s*$", low.casefold())
    if bracketed and parse_level(bracketed.group(1)):
        return parse_level(bracketed.group(1)), low[: bracketed.start()].strip()
    return None, low


_YEARS_OF = re.compile(
    r"^(?:(?:i(?:'ve| have|ve)? )?(?:been )?(?:used?|using|worked (?:with|in|on)|working (?:with|in|"
    r"on)|done|doing|coded in|coding in|programmed in)\s+)?(?P<skill>.+?)(?:\s+(?:at work|"
    r"professionally|at my job|in my job|daily))?\s+(?:for|since) (?:about |around |almost |"
    r"over )?(?P<n>\d+|one|two|three|four|five|six|seven|eight|nine|ten|half an?|a) "
    r"(?:\+ )?(?P<unit>yrs?|years?|months?)$"
    r"|^(?P<n2>\d+)\+? (?P<unit2>yrs?|years?|months?) (?:of |in |with )?(?P<skill2>.+)$"
    r"|^(?P<skill3>[^\d]+?) (?P<n3>\d+)\+? (?:yrs?|years?)(?: (?:of )?(?:experience|exp))?$",
    re.IGNORECASE,
)
_WORD_NUMBERS = {
    "one": 1, "a": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "half a": 0, "half an": 0,
}  # fmt: skip


def _number(word: str | None) -> int | None:
    if word is None:
        return None
    return int(word) if word.isdigit() else _WORD_NUMBERS.get(word.casefold())


def skills_text(skills: list[TypedSkill]) -> str:
    """The reading in the form the skills question documents: "React: intermediate, Go"."""
    return ", ".join(f"{s.name}: {s.level}" if s.level else s.name for s in skills)


# ---- languages, places, hours ---------------------------------------------------------

_LANG_FILLER = re.compile(
    r"\b(?:i|we|can|could|speak|talk|talking|know|understand|am|i'm|im|comfortable|fluent|"
    r"fluently|in|with|a|an|the|bit|of|little|some|bit|thoda|thodi|basic|only|mostly|also|too|"
    r"well|good|fine|languages?|both|okay|ok|native|mother|tongue|is|my)\b",
    re.IGNORECASE,
)


def read_languages(text: str) -> str | None:
    """ "I speak English and a bit of Hindi" -> "English, Hindi"; None if nothing is left."""
    rest = _LANG_FILLER.sub(" ", text)
    rest = re.sub(r"\s*(?:,|;|&|/|\+|\band\b|\bor\b|\baur\b)\s*", ", ", rest, flags=re.IGNORECASE)
    parts = [p.strip(" .!?") for p in rest.split(",")]
    parts = [p for p in parts if p]
    return ", ".join(parts) if parts else None


_PLACE_LEAD = re.compile(
    r"^(?:i\s*(?:am|'m|’m|m)\s+|im\s+|i\s+)?(?:currently\s+|now\s+)?"
    r"(?:(?:live|living|stay|staying|based|located|work|working|study|studying)\s+)?"
    r"(?:in|at|from|near|out of)\s+",
    re.IGNORECASE,
)


def read_place(text: str) -> str | None:
    """ "I'm in Pune", "i live in bangalore", "from delhi" -> the place; None if not a phrase."""
    t = " ".join(text.strip().split()).strip(" .!")
    place = _PLACE_LEAD.sub("", t, count=1)
    place = re.sub(r"\s+(?:right now|currently|now|these days|city)$", "", place, flags=re.I)
    return place if place and place != t else None


_DAY_GROUPS = (
    (re.compile(r"\b(?:weekdays?|week days?|mon(?:day)?\s*(?:-|to|–)\s*fri(?:day)?)\b"), "Mon-Fri"),
    (re.compile(r"\b(?:weekends?|sat(?:urday)?\s*(?:and|&|-|,)\s*sun(?:day)?)\b"), "Sat-Sun"),
    (re.compile(r"\b(?:every ?day|daily|all days|any day|all week)\b"), "Mon-Sun"),
)
_PERIOD_HOURS = {
    "morning": (9, 12),
    "afternoon": (13, 17),
    "evening": (18, 21),
    "night": (20, 23),
}
_AFTER = re.compile(r"\b(?:after|from|post)\s+(\d{1,2})(?::(\d{2}))?\s*(am|pm)?\b")
_BEFORE = re.compile(r"\b(?:before|till|until|by)\s+(\d{1,2})(?::(\d{2}))?\s*(am|pm)?\b")


def _hour(h: str, ampm: str | None, evening: bool) -> int | None:
    hour = int(h)
    if ampm == "pm" and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    elif ampm is None and evening and hour < 12:
        hour += 12  # "evenings after 7" is 19:00
    return hour if 0 <= hour <= 23 else None


def read_hours(text: str) -> str | None:
    """Hours said in words -> the documented form: "weekday evenings after 7" ->
    "Mon-Fri 19:00-22:00", "weekends" -> "Sat-Sun 10:00-13:00". None: nothing to read."""
    t = text.casefold()
    days = next((label for pattern, label in _DAY_GROUPS if pattern.search(t)), None)
    period = next((p for p in _PERIOD_HOURS if re.search(rf"\b{p}s?\b", t)), None)
    after, before = _AFTER.search(t), _BEFORE.search(t)
    if days is None and period is None and after is None and before is None:
        return None
    late = period in ("evening", "night") or (period is None and after is not None)
    start, end = _PERIOD_HOURS.get(period or "", (10, 13) if days == "Sat-Sun" else (18, 21))
    if after is not None:
        hour = _hour(after.group(1), after.group(3), late)
        if hour is None:
            return None
        start, end = hour, min(hour + 3, 24)
    if before is not None:
        hour = _hour(before.group(1), before.group(3), late and after is not None)
        if hour is None:
            return None
        if after is None and period is None:  # "weekdays before 10am": the hours up to it
            start = max(hour - 3, 0)
        if hour <= start:
            return None
        end = hour
    end_text = "24:00" if end == 24 else f"{end:02d}:00"
    return f"{days or 'Mon-Sun'} {start:02d}:00-{end_text}"
