"""What a message asks for, read from plain words: rules over normalised text, typos forgiven
by rapidfuzz, skills found by the catalogue. Deterministic and offline; shared by every dialog.

`read_intent` is for a message that is not an answer to a question (the first message, or
text outside a dialog). `control_word` is for any step: the few words that always work.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Literal, cast, get_args

from rapidfuzz import process
from rapidfuzz.distance import OSA

from core.understand.nearest import meaning_voter
from core.understand.slots import corrected

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
# The catalogue's skills named in a text (core.skills.SkillIndex.find_in), by name.
SkillFinder = Callable[[str], Sequence[str]]


@dataclass(frozen=True)
class Reading:
    intent: Intent
    rest: str = ""  # what the intent is about: a find query, the skills someone teaches
    skills: tuple[str, ...] = ()  # catalogue skills named in it (when a finder was given)
    # False: a guess from weak evidence (a skill named, no words asking for anything):
    # the dialog asks before acting on it.
    sure: bool = True


def normalise(text: str) -> str:
    """Lower case, emoji gone, punctuation as spaces, letters said thrice said once, one space
    between words ("Helloooo 😀" -> "hello")."""
    t = unicodedata.normalize("NFKC", text).casefold().replace("’", "'")
    t = "".join(ch if ch.isalnum() or ch in " +#.'₹" else " " for ch in t)
    t = re.sub(r"(?<![a-z0-9])\.|\.(?![a-z0-9])", " ", t)  # keep "node.js", drop full stops
    t = t.replace("'", "")
    t = re.sub(r"([a-z])\1{2,}", r"\1", t)
    return " ".join(t.split())


# How people spell in a chat, written out for the rules ("wat r u", "gud mrng", "plz hlp").
_CHAT_SPELLING = {
    "u": "you", "r": "are", "ur": "your", "wat": "what", "wht": "what", "wot": "what",
    "gud": "good", "mrng": "morning", "mng": "morning", "morng": "morning", "nite": "night",
    "evng": "evening", "pls": "please", "plz": "please", "pl": "please", "thnx": "thanks",
    "thanx": "thanks", "hw": "how", "dis": "this", "nvm": "never mind", "wanna": "want to",
    "gonna": "going to", "ppl": "people", "hlp": "help", "halp": "help", "bck": "back",
    "abt": "about", "smth": "something", "sth": "something", "becoz": "because",
    "thnks": "thanks", "thnk": "thank", "thks": "thanks", "tnx": "thanks", "tx": "thanks",
    "thanku": "thank you", "tq": "thanks", "tqsm": "thanks", "thanq": "thanks", "heyo": "hey", "heyyo": "hey", "hiya": "hi", "hellow": "hello",
    "helloo": "hello", "wassup": "whats up", "wsup": "whats up",
}  # fmt: skip


def chat_words(t: str) -> str:
    """A normalised text with chat spellings written out and a word said twice said once
    ("stop stop", "hello hello")."""
    out: list[str] = []
    for w in t.split():
        w = _CHAT_SPELLING.get(w, w)
        if not out or out[-1] != w:
            out.append(w)
    return " ".join(out)


# Politeness and filler around a short request: "cancel pls", "stop it", "menu please".
_SOFT = re.compile(
    r"^(?:(?:ok|okay|hey|hi|pls|plz|please|bhai|bro|yaar|sir|just|now|can you|could you|oops|"
    r"ugh|uh|um|hmm|sorry|wait|no|i|i want to|i wanna|lets|can we|can i|i will|ill)\s+)+"
    r"|(?:\s+(?:pls|plz|please|bhai|bro|yaar|sir|maam|it|this|that|now|then|for me|here|"
    r"everything|all|one step|a step|karo|jao|do|kar do|kar|anymore|the whole thing|"
    r"whole thing|this form|the form|this thing|the whole form|this chat|lol|from scratch|"
    r"from the start|from the beginning|from beginning))+$"
)

# ---- words that always work ----------------------------------------------------------

_CONTROL: dict[str, Control] = {
    "help": "help",
    "help me": "help",
    "i need help": "help",
    "need help": "help",
    "what can you do": "help",
    "commands": "help",
    "madad": "help",
    "madad chahiye": "help",
    "i dont understand": "help",
    "dont understand": "help",
    "what is this asking": "help",
    "dont understand what to type": "help",
    "dont know what to type": "help",
    "dont know what to write": "help",
    "dont understand what to write": "help",
    "what do i type": "help",
    "what should i type": "help",
    "what do i write": "help",
    "samajh nahi aaya": "help",
    "cancel": "cancel",
    "stop": "cancel",
    "quit": "cancel",
    "exit": "cancel",
    "never mind": "cancel",
    "nevermind": "cancel",
    "forget it": "cancel",
    "forget": "cancel",
    "forget about it": "cancel",
    "band": "cancel",
    "band karo": "cancel",
    "rehne do": "cancel",
    "i dont want to continue": "cancel",
    "dont want it": "cancel",
    "dont want this": "cancel",
    "not interested": "cancel",
    "band kar do": "cancel",
    "isko band karo": "cancel",
    "isko band kar do": "cancel",
    "chhodo": "cancel",
    "never mind dont want it": "cancel",
    "dont want to continue": "cancel",
    "menu": "menu",
    "main menu": "menu",
    "show menu": "menu",
    "show me the menu": "menu",
    "show the menu": "menu",
    "open menu": "menu",
    "open the menu": "menu",
    "go to menu": "menu",
    "go to the menu": "menu",
    "go to main menu": "menu",
    "take me to menu": "menu",
    "take me to the menu": "menu",
    "take me to the main menu": "menu",
    "take me to main menu": "menu",
    "home": "menu",
    "go home": "menu",
    "go to home": "menu",
    "mainmenu": "menu",
    "back to menu": "menu",
    "back to the menu": "menu",
    "back to main menu": "menu",
    "back to the main menu": "menu",
    "options dikhao": "menu",
    "menu dikhao": "menu",
    "back": "back",
    "go back": "back",
    "take me back": "back",
    "previous": "back",
    "previous question": "back",
    "undo": "back",
    "previous step": "back",
    "last question": "back",
    "last step": "back",
    "step back": "back",
    "wapas": "back",
    "wapas jao": "back",
    "peeche": "back",
    "start over": "restart",
    "start again": "restart",
    "restart": "restart",
    "reset": "restart",
    "begin again": "restart",
    "lets begin again": "restart",
    "lets start again": "restart",
    "lets start over": "restart",
    "start from the beginning": "restart",
    "start from beginning": "restart",
    "start from scratch": "restart",
    "i want to start over": "restart",
    "start fresh": "restart",
    "begin fresh": "restart",
    "start all over": "restart",
    "start over again": "restart",
    "start all over again": "restart",
    "start again from scratch": "restart",
    "begin again from scratch": "restart",
    "from scratch": "restart",
    "from the start": "restart",
    "shuru se karo": "restart",
    "phir se shuru": "restart",
    "phir se shuru karo": "restart",
    "phir se shuru karte hai": "restart",
    "shuru se": "restart",
    "phir se": "restart",
}
_SINGLE_WORDS = {w for w in _CONTROL if " " not in w}


def _typo_of(t: str) -> str | None:
    """The control word `t` is a slip of. A short word only by a swapped or a dropped letter
    ("hlep", "cancl"), never an added or changed one, so names like "Meenu" or "Manu" stay names."""
    if " " in t:
        best = process.extractOne(t, _CONTROL.keys(), scorer=OSA.distance, score_cutoff=1)
        if best is not None and (len(t) >= 8 or _drops_one(t, best[0])):
            return best[0]
        return None
    for word in _SINGLE_WORDS:
        if len(word) >= 4 and t == word + word[-1]:  # "menuu", "helpp"
            return word
        if len(word) < 4 or abs(len(word) - len(t)) > 1:
            continue
        if len(t) == len(word) and sorted(t) == sorted(word) and OSA.distance(t, word) == 1:
            return word
        if len(t) == len(word) - 1 and len(t) >= 5 and _drops_one(t, word):
            return word  # "cancl" — but "rest" is a word, not a slip of "reset"
        if len(t) == len(word) + 1 and re.sub(r"([^aeiou])\1", r"\1", t) == word:
            return word  # a consonant doubled ("hellp"); a doubled vowel is a name ("Meenu")
        if len(t) >= 7 and OSA.distance(t, word) == 1:
            return word
    return None


# A word that always works first, then why ("help what is this asking", "go back i typed
# wrong", "never mind dont want it anymore"): the phrase decides, the reason does not.
_LEAD_PHRASE = re.compile(
    r"^(?:oops |sorry |ugh |wait )?(?P<word>help|go back|take me back|main menu|start over|"
    r"start again|never mind|cancel|restart)\s+(?P<why>.+)$"
)
_REASON = re.compile(
    r"^(?:what|i|im|its|this|dont|why|typed|wrong|mistake|made|please|i made|i typed|not|no|"
    r"want|wanted|did not|didnt)\b"
)


def _lead_phrase(t: str) -> str:
    m = _LEAD_PHRASE.match(t)
    if m is None or len(t.split()) > 8 or not _REASON.match(m.group("why")):
        return ""
    return m.group("word")


def _drops_one(short: str, long: str) -> bool:
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


_MENU_SAID = re.compile(
    r"^(?:(?:open|show|show me|go to|take me to|back to|return to|bring up|give me)(?: the)? )?"
    r"(?:main |home |start )?(?:menu|home ?page|home ?screen)$|^(?:take me|go|back) home$"
)


def control_word(text: str) -> Control | None:
    """help, cancel/stop, back, menu, start over — alone or politely, in any case, a typo."""
    t = normalise(text)
    if not t or len(t) > 60:
        return None
    t = chat_words(t)
    for candidate in (t, _SOFT.sub("", t).strip(), _SOFT.sub("", _lead_phrase(t)).strip()):
        if not candidate:
            continue
        hit = _CONTROL.get(candidate) or ("menu" if _MENU_SAID.match(candidate) else None)
        if hit is not None:
            return hit
        if len(candidate) >= 4:
            word = _typo_of(candidate)
            if word is not None:
                return _CONTROL[word]
    return None


# "find …" works at every step too, in plain words as well as /find.
_FIND_WORD = re.compile(
    r"^(?:please |can you |could you )?(?:find|search(?: for)?|look for)"
    r"(?:(?: me)?(?: an?| some)?(?: good)? (?:mentors?|tutors?|teachers?|someone|somebody))?"
    r"(?: (?:for|in|on|with|who knows|who teaches))?(?:\s+(?P<query>.*))?$"
)


def find_words(text: str) -> str | None:
    """The search in a message that starts with "find" ("find python", "search for a mentor
    in sql"), "" for a bare "find"; None when the message asks for no search."""
    t = chat_words(normalise(text))
    if not t or len(t) > 80:
        return None
    m = _FIND_WORD.match(t)
    if m is None:
        return None
    return _clean_rest(m.group("query") or "")


# ---- the first message -------------------------------------------------------------

_GREET_WORDS = {
    "hi", "hii", "hello", "helo", "hlo", "hey", "heya", "hola", "yo", "namaste", "namaskar",
    "hai", "sup", "wassup", "whatsup", "gm", "salaam", "hy", "namaskaram", "vanakkam",
    "sasriakal", "adaab", "pranam",
}  # fmt: skip
_GREET_TAIL = {
    "sir", "mam", "maam", "bhai", "bro", "didi", "bhaiya", "bot", "mentorbot", "there", "all",
    "everyone", "good", "morning", "evening", "afternoon", "night", "whats", "up", "how", "are",
    "you", "u", "doing", "ji", "team", "friend", "again", "guys", "anyone", "anybody", "is",
    "hello", "hi", "hey",
}  # fmt: skip
_SMALL_TALK = re.compile(
    r"^(?:how are (?:you|u)(?: doing)?|hows it going|whats up|good (?:morning|afternoon|evening)"
    r"(?: \w+)?|kaise ho|kya haal hai)$"
)
_THANKS = re.compile(
    r"\b(?:thanks?|thank (?:you|u)|thankyou|thx|ty|tysm|dhanyavaa?d|dhanyawaa?d|shukriya)\b"
)
# The product, however it is called: "this", "the app", "mentorbot", "this platform".
_PRODUCT = (
    r"(?:this|it|the|mentorbot|this bot|you)(?: (?:app|bot|platform|service|site|website|thing|"
    r"place|tool))?"
)
_HELP = re.compile(
    r"^(?:i )?(?:need|want) (?:some )?help$|how (?:can|could|will) (?:you|u|this bot) help"
    r"|what (?:can|do|should) i do(?: here)?|what (?:can|do) (?:you|u) do|im new here"
    r"|(?:im |i am )?(?:confused|lost)\b|what are (?:my|the) options|\bcommands\b|^options$"
    r"|^what all\b|what (?:all )?options (?:are|do i have|are there)"
    r"|^what (?:all )?(?:can|does|do) (?:this|this bot|the bot|mentorbot|it|you) (?:do|offer)"
    r"|madad|how (?:do|does) (?:i|one) (?:use|start)(?: this| it| you)?$"
    r"|^(?:i am|im) new(?: here)?\b(?! to (?:\w+ )?(?:coding|programming))|\bwhat now\b"
    r"|\bwhat (?:are )?(?:the|all the) things (?:you|this bot|it) can do\b"
    rf"|^what (?:all )?(?:can|does|do|will) {_PRODUCT} (?:do|offer)\b"
    r"|^what are (?:my|the|your) (?:options|choices)\b"
    r"|^what (?:all )?(?:is|s) possible\b|^help me out\b|\bnew here\b"
    r"|^(?:how (?:do|can) i|how to|where (?:do|should) i) (?:get )?start(?:ed)?(?: here)?$"
    r"|\bwhat (?:you|this bot|the bot|it) can do\b"
    r"|\bfirst time here\b|\b(?:no idea|dont know|not sure) what to do\b"
    r"|^(?:im |i am |i have )?(?:no idea|dont know|not sure) (?:where|how) to (?:begin|start)\b"
    r"|^guide me(?: please)?$"
    r"|\bhow to use (?:this|it|you|mentorbot|the bot|the app)\b"
)
# Asking what the bot offers, whatever words in it a catalogue might also hold ("options").
_HELP_WHOLE = re.compile(
    r"^(?:what are (?:my|the|your) options(?: here)?|what can (?:you|u) do|what can i do(?: here)?|"
    r"what should i do(?: here)?|im new here what can i do|what all options are there|"
    r"what all (?:can|does|do) (?:this|this bot|the bot|you) do)$"
)
_TEACH = re.compile(
    r"\b(?:(?:i )?(?:can|could|want to|wanna|would like to|would love to|d like to|d love to|"
    r"like to|love to|am happy to|m happy to|happy to|am able to|m able to|will)\s+"
    r"(?:teach|mentor|guide|coach|tutor|help (?:juniors|freshers|students|others|people|"
    r"learners|beginners|aspirants)|take (?:mock )?interviews|share my (?:knowledge|experience))"
    r"|(?:become|be|sign (?:me )?up as|join as|(?:register|enrol|enroll|list) (?:me )?as|work as)"
    r" (?:an? )?(?:mentor|teacher|tutor)"
    r"|can i (?:teach|mentor)|want to be a (?:mentor|teacher|tutor)"
    r"|(?:can|could|will|happy to|glad to) help (?:people|others|juniors|freshers|students|"
    r"learners|beginners|folks) (?:with|in|on|learn)"
    r"|(?:earn|make money|get paid) (?:by |from )?(?:teaching|mentoring|tutoring)"
    r"|mentor (?:banna|banana|bann?ne|ban sakta|ban sakti)|mentor kaise bane"
    r"|interested in (?:mentoring|teaching|tutoring|coaching)\b"
    r"|sign (?:me )?up (?:to|as) (?:an? )?(?:mentor|teach|tutor)"
    r"|(?:can i |i can |i could |want to |would like to |would love to |d love to |happy to |"
    r"love to |glad to )(?:offer|give|take|run|conduct|host) "
    r"(?:\w+ )?(?:sessions?|classes|lessons|workshops?)\b"
    r"|padha sakta|padha sakti|sikha sakta hu|sikha sakti hu|sikha sakta hoon|sikha dunga)\b"
    r"|^i (?:teach|mentor|tutor) (?!me\b|us\b)"
)
# Asking to be taught, though the words "can teach" are in it: "anyone who can teach me".
_LEARNER = re.compile(
    r"\b(?:can|could) (?:you|u|anyone|someone|somebody)\b|\b(?:teach|mentor|guide|coach) "
    r"(?:me|us)\b|\b(?:anyone|anybody|someone|somebody|koi) (?:who|that|jo) (?:can|could)\b"
    # Asking who does it is asking to be taught: "who can teach typescript?"
    r"|^(?:so |and |but )?who (?:can|could|will|would)\b"
)
_TEACH_SKILL = re.compile(
    r"\b(?:teach|mentor|guide|coach|tutor)(?: (?:people|others|students|juniors|freshers|"
    r"beginners))?(?: (?:in|on|for|with))? (?P<rest>.+?)(?: to (?:beginners|juniors|freshers|"
    r"students|others|people))?$|\b(?:mentor|teacher|tutor) (?:for|in|of|on) (?P<rest2>.+)$"
    r"|^(?:i )?(?:teach|mentor) (?!me\b|us\b)(?P<rest3>.+)$|good at (?P<rest4>[\w+#.]+)"
)
_FIND_LEAD = re.compile(
    r"^(?:(?:can you |could you |pls |please |plz |u )?(?:find|get|show|suggest|recommend)"
    r"(?: me)?(?: an?| some)?(?: good)? (?:mentors?|teachers?|tutors?|someone|somebody|people|"
    r"person)?\s*(?:for|in|on|with|who (?:knows|teaches|can teach|can help with))?"
    r"|(?:i )?(?:am |m )?(?:looking for|searching for|need|want|wanna|require)(?: an?| some)?"
    r"(?: (?:mentor|tutor|teacher|help|guidance|someone|somebody))?"
    r"(?: (?:for|in|on|with|to learn|learning|who knows))?"
    r"|(?:i )?(?:want to|wanna|want|would like to|d like to|need to|have to|must) "
    r"(?:learn|lern|study|understand|practice|practise|get better at|improve(?: my)?|"
    r"prepare for|crack|master)"
    r"|(?:teach me|help me(?: with| learn| understand)?|learn|learning|mentor for|mentors for)"
    r"|(?:is )?(?:any ?(?:one|1)|anybody|someone|somebody|koi)(?: good at| who knows| here)?"
    r"(?: (?:free|available|around|here|online))?"
    r"(?: (?:now|rn|today|tonight|tomorrow|this weekend|right now))?"
    r"(?: (?:for|to help with|who knows|to teach(?: me)?|with|can teach(?: me)?|teach me))?"
    r"|(?:any )?(?:mentors?|tutors?) (?:for|in|on|with)"
    r"|who (?:can|could|will|would) (?:teach|help(?: me)? with|mentor|guide)(?: me| us)?"
    r"(?: (?:in|on|with))?"
    r")\b\s*(?P<rest>.*)$"
)
_FIND_WORDS = re.compile(
    r"\b(?:mentors?|tutors?|teachers?|guidance|guide me|sikh|seekh|sikhna|seekhna|sikha|"
    r"chahiye|padhna|learn|lern|doubt|prep|preparation|practice|help (?:with|in)|"
    r"help me|interview|interviews|placements?)\b"
)
_MENTOR_FOR = re.compile(r"\b(?:mentors?|tutors?|teachers?|coach|classes|sessions?)\b")
_HINGLISH_LEARN = re.compile(
    r"^(?:mujhe |mai |main |mein )?(?P<rest>.+?) (?:sikhna|seekhna|sikhni|seekhni|padhna|"
    r"improve karni|improve karna|seekhni|sikhni)(?: hai| h| he| chahta| chahti|$)"
)

_QUESTIONS: tuple[tuple[Intent, re.Pattern[str]], ...] = (
    (
        "ask_refund",
        re.compile(
            r"\b(?:refunds?|refunded|money back|get my money|paisa wapas|cancellation (?:fee|policy))\b"
        ),
    ),
    (
        "ask_credits",
        re.compile(
            r"\b(?:credits?|skill exchange|skill swap|swap skills|exchange skills|barter)\b"
        ),
    ),
    (
        "ask_free",
        re.compile(
            rf"^(?:is {_PRODUCT} |is everything |are "
            r"(?:sessions|they|mentors) )(?:really |totally |completely |all )?free\b"
            r"|\bfree of (?:cost|charge)\b|^(?:any )?free (?:sessions?|mentors?)?\s*$"
            r"|\bfree hai\b|\bpaid (?:hai )?(?:ya|or) free\b|\bfree (?:or|ya) paid\b"
            r"|\bdo i (?:have to |need to )?pay\b|\bis there (?:a|any) (?:fee|charge)\b"
            r"|\b(?:koi|any) (?:charges?|fees?|payment) (?:hai|h|he|lagta|lagti|lagega|is there)\b"
            r"|^is (?:it|this|mentorbot) (?:an? )?free\b|\bfor free\s*$"
            r"|\bfree (?:trial|demo|first session|intro)\b|\btrial (?:session|class)\b"
            r"|\bfree (?:mein|me|main|mai) (?:hai|h|he|milega|milta|milti|hota)\b"
            r"|\b(?:ye|yeh|kya) free\b"
            r"|\bhave to pay\b|\bnothing to pay\b|\bany (?:charges|fees?)\b.*\bfree\b"
        ),
    ),
    (
        "ask_price",
        re.compile(
            r"\b(?:how much|cost|costs|costly|expensive|cheap|price|prices|pricing|fee|fees|"
            r"charges?|rates?|kitna|kitne|kitni|paisa|paise|rupees|₹|inr|lagenge|lagega)\b|₹"
        ),
    ),
    (
        "ask_how",
        re.compile(
            r"\b(?:how (?:does|do|will) (?:this|it|mentorbot|you|the bot|sessions?|booking|"
            r"calls?|the calls?) (?:work|happen)|what (?:is|s) (?:this|mentorbot|this bot|this "
            r"place)|what do you do|how (?:do|can) i (?:book|find|get)|how long (?:is|are) "
            r"(?:a |the )?sessions?|who are you|what are you|explain|what happens (?:after|when|"
            r"if)|kaise kaam|kaise hota|on (?:zoom|meet|google meet)|how (?:do|does) it work"
            r"|how (?:does|do|will) (?:this|it|the|mentorbot) ?(?:\w+ )?work"
            r"|(?:how )?(?:are|is) (?:the )?mentors? (?:verified|checked|vetted|chosen|selected|"
            r"screened|real|trusted|qualified)|who (?:are|r) the mentors"
            r"|how (?:do|are) (?:you|they) (?:verify|check|vet|choose|select|screen) (?:the )?mentors"
            r"|how (?:does|do) (?:the )?(?:booking|matching|payment|payments|sessions?) work"
            r"|how (?:will|do|would|can|shall) (?:i|we) (?:meet|talk to|connect with|join|call|"
            r"reach|contact) (?:the |my |a )?mentors?"
            r"|how (?:do|does|will|are) (?:the )?(?:video |voice |online )?(?:calls?|sessions?|"
            r"meetings?|classes) (?:work|happen|take place|conducted|held|done))\b"
        ),
    ),
)


def _clean_rest(rest: str) -> str:
    rest = re.sub(
        r"^(?:(?:with|for|in|on|about|some|a|an|the|to learn|learn|to|me|my|teaching|teach me|"
        r"teach|to teach me|tutoring|coaching)\s+)+",
        "",
        rest.strip(),
    )
    return re.sub(
        r"(?:\s+(?:please|pls|plz|thanks|thank you|asap|urgently|rn|right now|yaar|bhai))+$",
        "",
        rest,
    ).strip()


# The words the rules key on, so a slip in one still reads ("leran python", "refnd"). A
# typed word is put right only by a swapped or a dropped letter, and only when it has five
# letters or more and is neither one of these words nor a skill: "lean", "rice" stay.
_KEYWORDS = (
    "learn", "learning", "mentor", "mentors", "mentoring", "teach", "teaching", "tutor",
    "tutors", "teacher", "refund", "refunds", "price", "pricing", "credit", "credits",
    "session", "sessions", "search", "please", "thanks", "thank", "interview", "interviews",
    "someone", "anyone", "somebody", "anybody", "expensive", "charges", "guidance", "explain",
    "become", "improve", "understand", "looking", "practice", "prepare", "preparation",
    "available", "cancel", "restart",
)  # fmt: skip
_KEYWORD_SET = frozenset(_KEYWORDS)


def _spelled(t: str, find_skills: SkillFinder | None) -> str:
    out: list[str] = []
    for w in t.split():
        if len(w) >= 5 and w not in _KEYWORD_SET and w.isalpha():
            best = process.extractOne(w, _KEYWORDS, scorer=OSA.distance, score_cutoff=1)
            if (
                best is not None
                and best[0] != w + "s"
                and (
                    _drops_one(w, best[0])
                    or (len(w) == len(best[0]) and sorted(w) == sorted(best[0]))
                )
                and not (find_skills is not None and find_skills(w))
            ):
                w = best[0]
        out.append(w)
    return " ".join(out)


def read_intent(text: str, find_skills: SkillFinder | None = None) -> Reading:
    """What a free-standing message asks for. `find_skills`: the catalogue's skills named in
    a text; with it, a message that names a skill and asks nothing else is a search.

    The rules read first. With the meaning of the labelled examples at hand (MiniLM, see
    core.understand.nearest), their vote is a second opinion: where the rules found nothing
    it may name the intent, and where it clearly disagrees with the rules the reading is
    marked unsure; either way the dialog shows what was understood and asks before acting."""
    if find_skills is not None:  # "no wait, I meant SQL not NoSQL": read what is meant
        text = corrected(text, lambda phrase: bool(find_skills(phrase)))
    t = _spelled(chat_words(normalise(text)), find_skills)
    reading = _by_rules(t, find_skills)
    voter = meaning_voter(_prepared)
    if voter is None or reading.intent in _EXACT or not t:
        return reading
    vote = voter.vote(t)
    if reading.intent == "unknown":
        if (
            vote.intent != "unknown"
            and vote.similarity >= FILL_AT_LEAST
            and (vote.margin >= FILL_MARGIN)
        ):
            skills = tuple(find_skills(t)) if find_skills is not None else ()
            rest = _clean_rest(t) if vote.intent == "find" else ""
            rest = _teach_rest(t) if vote.intent == "teach" else rest
            return Reading(cast(Intent, vote.intent), rest, skills, sure=False)
        if _FIND_WORDS.search(t):
            skills = tuple(find_skills(t)) if find_skills is not None else ()
            return Reading("find", _clean_rest(t), skills, sure=False)
        return reading
    if (
        reading.sure
        and vote.intent != reading.intent
        and vote.similarity >= DOUBT_AT_LEAST
        and vote.margin >= DOUBT_MARGIN
    ):
        return replace(reading, sure=False)
    return reading


# Calibrated on the tuning and held-out sets (never on a fresh batch): the meaning vote
# fills a gap the rules leave when its nearest example is this close and its winner leads
# the runner-up by this share of the vote; it casts doubt on a rules reading only when it
# is as sure of something else.
FILL_AT_LEAST, FILL_MARGIN = 0.5, 0.3
DOUBT_AT_LEAST, DOUBT_MARGIN = 0.5, 0.5
# Readings the vote never questions: words that always work, said as such.
_EXACT: frozenset[str] = frozenset(get_args(Control))


def _by_rules(t: str, find_skills: SkillFinder | None) -> Reading:
    """The rules' reading of an already prepared text."""
    if not t:
        return Reading("unknown")
    control = control_word(t)
    if control is not None:
        return Reading(control)
    words = t.split()
    if _greeting(words) or _SMALL_TALK.match(t):
        return Reading("greet")
    if _THANKS.search(t) and len(words) <= 6 and not _FIND_WORDS.search(t):
        return Reading("thanks")
    skills = tuple(find_skills(t)) if find_skills is not None else ()
    # Money trouble first: "mentor didn't join, refund pls" asks for a refund.
    refund = _QUESTIONS[0][1].search(t)
    if refund is not None:
        return Reading("ask_refund")
    if re.search(r"\bin exchange\b|\binstead of pay(?:ing)?\b|\bexchange for\b", t):
        return Reading("ask_credits")  # "teach something in exchange for learning"
    if _TEACH.search(t) and not _LEARNER.search(t):
        return Reading("teach", _teach_rest(t), skills)
    if re.search(r"\b(?:swap|exchange|barter|trade) (?:my )?skills\b", t):
        return Reading("ask_credits")
    for intent, pattern in _QUESTIONS[1:]:
        if pattern.search(t) and not _asks_for_someone(t, skills):
            return Reading(intent)
    if _HELP.search(t) and (not skills or _HELP_WHOLE.match(t)):
        return Reading("help")
    m = _HINGLISH_LEARN.match(t)
    if m is not None:
        return Reading("find", _clean_rest(m.group("rest")), skills)
    m = _FIND_LEAD.match(t)
    if m is not None and m.group(0).strip() != m.group("rest").strip():
        rest = _clean_rest(m.group("rest"))
        if rest or re.search(r"\b(?:mentor|tutor|teacher|someone|somebody)s?\b", t):
            return Reading("find", rest, skills)
    if skills and _MENTOR_FOR.search(t) and not re.match(r"(?:i am|im|i m|i)\b", t):
        # "python mentor under 500", "tutor for sql?": a skill and who is wanted for it.
        return Reading("find", _clean_rest(t), skills)
    if skills:
        return Reading("find", _clean_rest(t), skills, sure=False)
    if meaning_voter(_prepared) is not None:
        return Reading("unknown")  # read_intent asks the meaning vote
    # Nothing the rules know: the nearest labelled examples may ("what exactly is mentorbot").
    near = _nearest(t)
    if near is not None:
        return Reading(near)
    if _FIND_WORDS.search(t):
        return Reading("find", _clean_rest(t), skills, sure=False)
    return Reading("unknown")


# What the nearest examples may decide alone: answers and words, never a search or an
# application (those need the rules' reading of what is asked for).
_NEAREST_MAY: frozenset[str] = frozenset(get_args(Intent)) - {"find", "teach", "unknown"}
NEAREST_AT_LEAST = 0.3  # cosine similarity of the nearest example


def _prepared(text: str) -> str:
    return chat_words(normalise(text))


def _nearest(t: str) -> Intent | None:
    from core.understand.nearest import default_nearest  # TF-IDF, built on first use

    intent, sim = default_nearest(_prepared).place(t)
    if sim < NEAREST_AT_LEAST or intent not in _NEAREST_MAY:
        return None
    return cast(Intent, intent)


def _greeting(words: list[str]) -> bool:
    words = [w if w in _GREET_WORDS else re.sub(r"([a-z])\1+$", r"\1", w) for w in words]
    return (
        bool(words)
        and words[0] in _GREET_WORDS | {"good"}
        and all(w in _GREET_WORDS or w in _GREET_TAIL for w in words)
        and (words[0] != "good" or len(words) >= 2)
    )


def _teach_rest(t: str) -> str:
    m = _TEACH_SKILL.search(t)
    if m is None:
        return ""
    rest = next((g for g in m.groups() if g), "")
    rest = re.sub(
        r"\b(?:here|(?:on )?(?:this|the) (?:platform|app|site|bot)|to others|can i teach|"
        r"can i mentor)\b.*$",
        "",
        rest,
    )
    return _clean_rest(rest)


def _asks_for_someone(t: str, skills: Sequence[str]) -> bool:
    """ "is anyone free now for sql" is a search, not a question about the product."""
    someone = re.search(r"\b(?:any ?(?:one|1)|anybody|someone|somebody|koi|mentors? for)\b", t)
    money = re.search(r"\b(?:cost|price|fee|fees|how much|refund|charge|kitna|kitne)\b", t)
    return (bool(someone) or bool(skills)) and not money
