"""What a message asks for, read from plain words: rules over normalised text, with typos
forgiven by rapidfuzz. Deterministic and offline; shared by every dialog.

`read_intent` is for a message that is not an answer to a question (the first message, or
text outside a dialog). `control_word` is for any step: the few words that always work.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import process
from rapidfuzz.distance import OSA

Intent = Literal[
    "greet",
    "help",
    "find",
    "teach",
    "ask_price",
    "ask_free",
    "ask_how",
    "ask_refund",
    "ask_credits",
    "cancel",
    "menu",
    "back",
    "restart",
    "thanks",
    "unknown",
]
Control = Literal["help", "cancel", "menu", "back", "restart"]


@dataclass(frozen=True)
class Reading:
    intent: Intent
    rest: str = ""  # what the intent is about: a find query, the skills someone teaches


def normalise(text: str) -> str:
    """Lower case, accents and emoji gone, punctuation as spaces, one space between words."""
    t = unicodedata.normalize("NFKC", text).casefold()
    t = "".join(ch if ch.isalnum() or ch in " +#.'" else " " for ch in t)
    t = re.sub(r"(?<![a-z0-9])\.|\.(?![a-z0-9])", " ", t)  # keep "node.js", drop full stops
    t = t.replace("'", "")
    return " ".join(t.split())


# ---- words that always work ----------------------------------------------------------

_CONTROL: dict[str, Control] = {
    "help": "help",
    "help me": "help",
    "what can you do": "help",
    "commands": "help",
    "cancel": "cancel",
    "stop": "cancel",
    "quit": "cancel",
    "exit": "cancel",
    "never mind": "cancel",
    "nevermind": "cancel",
    "cancel that": "cancel",
    "menu": "menu",
    "main menu": "menu",
    "show menu": "menu",
    "home": "menu",
    "back": "back",
    "go back": "back",
    "previous": "back",
    "start over": "restart",
    "start again": "restart",
    "restart": "restart",
    "reset": "restart",
    "begin again": "restart",
}


def control_word(text: str) -> Control | None:
    """help, cancel/stop, back, menu, start over — alone, in any case, with a typo."""
    t = normalise(text)
    if not t or len(t) > 20:
        return None
    hit = _CONTROL.get(t)
    if hit is not None:
        return hit
    if len(t) < 4:  # "hep", "bak": too short to correct without guessing
        return None
    # A typo is one slip (two in a long phrase); a four-letter word only a swap ("hlep"),
    # so names and answers like "hela" or "pack" are not taken for commands.
    allowed = 1 if len(t) < 8 else 2
    best = process.extractOne(t, _CONTROL.keys(), scorer=OSA.distance, score_cutoff=allowed)
    if best is None:
        return None
    word = best[0]
    if len(t) == 4 and sorted(t) != sorted(word):
        return None
    return _CONTROL[word]


# ---- the first message -------------------------------------------------------------

_GREETINGS = {
    "hi", "hii", "hiii", "hello", "helo", "hey", "heyy", "heya", "hola", "yo", "namaste",
    "namaskar", "good morning", "good afternoon", "good evening", "gm", "sup", "whats up",
    "hi there", "hello there", "hey there", "hey bot", "hi bot", "hello bot", "hi mentorbot",
    "hello mentorbot", "hey mentorbot", "hai", "helloo", "hellooo", "start",
}  # fmt: skip
_THANKS = {"thanks", "thank you", "thx", "ty", "thanks a lot", "thank u", "ok thanks", "cool"}

_TEACH = re.compile(
    r"^(?:hi |hey |hello )?(?:i )?(?:can|could|want to|wanna|would like to|d like to|like to|"
    r"am able to|am happy to|love to|m happy to|m able to)\s+(?:teach|mentor|help (?:people|others|"
    r"students|learners|juniors)(?: (?:with|in|learn))?|coach)\b\s*(?:people |others |students )?"
    r"(?:in |on |with )?(?P<rest>.*)$"
    r"|^(?:i )?(?:want to |wanna |would like to |d like to )?(?:become|be) an? (?:mentor|teacher)"
    r"(?: (?:for|in|of|on) (?P<rest2>.*))?$"
    r"|^(?:i )?(?:teach|mentor) (?!me\b|us\b)(?P<rest3>.+)$",
)
_FIND_LEAD = re.compile(
    r"^(?:hi |hey |hello |please |pls |plz )*"
    r"(?:(?:can you |could you |pls |please )?(?:find|get|show|suggest|recommend)(?: me)?"
    r"(?: an?| some)?(?: good)? (?:mentors?|teachers?|tutors?|someone|somebody|people|person)?"
    r"\s*(?:for|in|on|with|who (?:knows|teaches|can teach|can help with))?"
    r"|(?:i )?(?:am |m )?(?:looking for|searching for|need|want|wanna)(?: an?| some)?"
    r"(?: (?:mentor|tutor|teacher|help|guidance|someone|somebody))?"
    r"(?: (?:for|in|on|with|to learn|learning|who knows))?"
    r"|(?:i )?(?:want to|wanna|would like to|d like to|need to|have to|must) "
    r"(?:learn|study|understand|practice|practise|get better at|improve(?: my)?|prepare for)"
    r"|(?:teach me|help me(?: with| learn| understand)?|learn|learning|mentor for|mentors for)"
    r"|(?:is )?(?:any ?one|anybody|someone|somebody) (?:free|available|around|here|online)"
    r"(?: (?:now|today|tonight|tomorrow|this weekend|right now))?"
    r"(?: (?:for|to help with|who knows|to teach|with))?"
    r"|(?:any )?(?:mentors?|tutors?) (?:for|in|on|with)"
    r")\b\s*(?P<rest>.*)$"
)
_HINGLISH_LEARN = re.compile(
    r"^(?:mujhe |mai |main |mein )?(?P<rest>.+?) (?:sikhna|seekhna|sikhni|seekhni|padhna) "
    r"(?:hai|h|he|chahta hu|chahti hu|chahta hoon|chahti hoon)\b"
)

_QUESTIONS: tuple[tuple[Intent, re.Pattern[str]], ...] = (
    (
        "ask_refund",
        re.compile(
            r"\b(?:refunds?|refunded|money back|get my money|cancellation (?:fee|policy))\b"
        ),
    ),
    (
        "ask_free",
        re.compile(
            r"^(?:is (?:it|this|mentorbot|the (?:service|platform|bot)) |are (?:sessions|they) )"
            r"(?:really |totally |completely )?free\b|\bfree of (?:cost|charge)\b|\bfor free\b\??$"
            r"|^free\??$|\bdo i (?:have|need) to pay\b|\bis there (?:a|any) (?:fee|charge)\b"
        ),
    ),
    (
        "ask_price",
        re.compile(
            r"\b(?:how much|cost|costs|price|prices|pricing|fee|fees|charges?|rates?|"
            r"kitna|paisa|paise|rupees|inr|pay)\b"
        ),
    ),
    (
        "ask_credits",
        re.compile(r"\b(?:credits?|skill exchange|skill swap)\b"),
    ),
    (
        "ask_how",
        re.compile(
            r"\b(?:how (?:does|do) (?:this|it|mentorbot|you|the bot|sessions?|booking) work"
            r"|what (?:is|s) (?:this|mentorbot|this bot|this place)|what do you do"
            r"|how (?:do|can) i (?:use|start|book)|how long (?:is|are) (?:a |the )?sessions?"
            r"|who are you|what are you|explain)\b"
        ),
    ),
)


def _clean_rest(rest: str) -> str:
    rest = re.sub(r"^(?:with|for|in|on|about|some|a|an|the|to learn|learn)\s+", "", rest.strip())
    return re.sub(r"\s+(?:please|pls|plz|thanks|thank you)$", "", rest).strip()


def read_intent(text: str) -> Reading:
    """What a free-standing message asks for."""
    t = normalise(text)
    if not t:
        return Reading("unknown")
    control = control_word(t)
    if control is not None:
        return Reading(control)
    if t in _GREETINGS or (len(t) <= 12 and t.split()[0] in _GREETINGS and len(t.split()) <= 2):
        return Reading("greet")
    if t in _THANKS:
        return Reading("thanks")
    m = _TEACH.match(t)
    if m is not None:
        rest = m.group("rest") or m.group("rest2") or m.group("rest3") or ""
        return Reading("teach", _clean_rest(rest))
    # A question about the product comes before "find": "how much does a python session
    # cost" asks the price; "is anyone free now for sql" asks for a mentor (no "it"/"this").
    for intent, pattern in _QUESTIONS:
        if pattern.search(t) and not _asks_for_someone(t):
            return Reading(intent)
    m = _HINGLISH_LEARN.match(t)
    if m is not None:
        return Reading("find", _clean_rest(m.group("rest")))
    m = _FIND_LEAD.match(t)
    if m is not None and m.group(0).strip() != m.group("rest").strip():
        rest = _clean_rest(m.group("rest"))
        if rest or re.search(r"\b(?:mentor|tutor|teacher)s?\b", t):
            return Reading("find", rest)
    return Reading("unknown")


def _asks_for_someone(t: str) -> bool:
    return bool(re.search(r"\b(?:any ?one|anybody|someone|somebody|mentor|tutor)\b", t)) and (
        not re.search(r"\b(?:cost|price|fee|fees|how much|refund|charge)\b", t)
    )
