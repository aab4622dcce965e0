"""Meaning-preserving text normalisations, shared by the checks (to suggest) and the
fixer (to apply): whitespace, quotes, ellipses, dialogue dashes, mixed-script letters.

They work on a *template*: the cue's text with every tag replaced by one placeholder
character, so a fix never edits inside ``<i>`` or ``{\\an8}`` and tags stay where they
were. Each function maps a template to a template, keeps every placeholder and line
break, and is idempotent: applying it to its own output changes nothing.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from subtitles.qc.text import ASS_BLOCK, HTML_TAG, Markup

P = "\ue000"
_HTML_TOKENS = re.compile(f"{HTML_TAG.pattern}|{ASS_BLOCK.pattern}")
_ASS_TOKENS = re.compile(r"\{[^{}]*\}|\\[Nn]")
_ASS_CLOSING = re.compile(r"\{(?:\\[ibus]0)+\}")


@dataclass(frozen=True, slots=True)
class Template:
    """Cue text with tags as placeholders and line breaks as ``\\n``."""

    text: str
    tags: tuple[str, ...]
    breaks: tuple[str, ...]
    markup: Markup

    @classmethod
    def of(cls, raw: str, markup: Markup) -> Template | None:
        """``None`` when the text itself holds the placeholder character (never touched)."""
        if P in raw:
            return None
        tags: list[str] = []
        breaks: list[str] = []
        if markup == "html":

            def sub_html(m: re.Match[str]) -> str:
                tags.append(m.group(0))
                return P

            return cls(_HTML_TOKENS.sub(sub_html, raw), tuple(tags), (), markup)

        def sub_ass(m: re.Match[str]) -> str:
            token = m.group(0)
            if token.startswith("{"):
                tags.append(token)
                return P
            breaks.append(token)
            return "\n"

        return cls(_ASS_TOKENS.sub(sub_ass, raw), tuple(tags), tuple(breaks), markup)

    @property
    def closing(self) -> list[bool]:
        """Per tag: does it close something (and so belong to the text before it)?"""
        return [t.startswith("</") or bool(_ASS_CLOSING.fullmatch(t)) for t in self.tags]

    def render(self, text: str) -> str:
        """Put the tags (and ASS line breaks) back into a normalised ``text``."""
        if text.count(P) != len(self.tags) or (self.markup == "ass" and text.count("\n") != len(self.breaks)):
            raise ValueError("a normalisation changed the tag or line structure")
        tags = iter(self.tags)
        out = re.sub(P, lambda _m: next(tags), text)
        if self.markup == "ass":
            breaks = iter(self.breaks)
            out = re.sub("\n", lambda _m: next(breaks), out)
        return out


def through_tags(text: str, step: Callable[[str], str], closing: Sequence[bool] = ()) -> str:
    """Apply a text normalisation as if the tags were not there, then put every tag back
    where its neighbouring characters went.

    The checks read the visible text (tags removed); running the fixes on the same text
    makes them agree by construction: ``a <i> b`` has a double space for the reader, and
    its fix is ``a <i>b``. Steps only insert, delete or replace characters locally, so a
    character alignment (difflib) maps every tag position from before to after. A closing
    tag stays with the text before it, any other tag with the text after it
    (``a,<i>b`` becomes ``a, <i>b``); ``closing`` says which placeholder is which.
    """
    if P not in text:
        return step(text)
    plain = text.replace(P, "")
    new = step(plain)
    if new == plain:
        return text
    opcodes = difflib.SequenceMatcher(None, plain, new, autojunk=False).get_opcodes()

    def moved(k: int, left: bool) -> int:
        equal = [(i1, j1) for tag, i1, i2, j1, _j2 in opcodes if tag == "equal" and i1 <= k <= i2]
        if equal:
            i1, j1 = equal[0] if left else equal[-1]
            return j1 + (k - i1)
        for _tag, i1, i2, j1, j2 in opcodes:
            if i1 <= k <= i2:
                return j1 if k == i1 else j2
        return len(new)

    out: list[str] = []
    pos = 0
    k = 0
    n = 0
    for ch in text:
        if ch == P:
            at = max(moved(k, n < len(closing) and closing[n]), pos)
            n += 1
            out.append(new[pos:at])
            out.append(P)
            pos = at
        else:
            k += 1
    out.append(new[pos:])
    return "".join(out)


# -- whitespace --------------------------------------------------------------------------

_L = r"[^\W\d_]"
#: Line starts and ends; the record separator counts too, so checks can scan a joined file.
_BOL = "(?:^|(?<=[\n\x1e]))"
_EOL = "(?=[\n\x1e]|$)"
LEADING_SPACE = re.compile(f"{_BOL}({P}*)[ \\t\u00a0]+")
TRAILING_SPACE = re.compile(f"[ \\t\u00a0]+({P}*){_EOL}")
DOUBLE_SPACE = re.compile(r"(?<=\S)(?:[ \t]{2,}|\t)(?=\S)")
SPACE_BEFORE_PUNCT = re.compile(f'(?<=[\\w»”"])({P}*)[ \\t]+(?=(?:[,.!?:;…]|\\.\\.\\.)(?:\\s|{P}|$))')
MISSING_SPACE_COMMA = re.compile(f"(?<={_L}),(?={P}*{_L})")
MISSING_SPACE_STOP = re.compile(
    f"(?<={_L}{_L})(?<!www)([.!?])(?={P}*[A-ZА-ЯЁ][a-zа-яё])(?![A-Za-z]*\\.[a-z]{{2,}}\\b)"
)


def fix_whitespace(text: str) -> str:
    text = LEADING_SPACE.sub(r"\1", text)
    text = TRAILING_SPACE.sub(r"\1", text)
    text = DOUBLE_SPACE.sub(" ", text)
    text = SPACE_BEFORE_PUNCT.sub(r"\1", text)
    text = MISSING_SPACE_COMMA.sub(", ", text)
    return MISSING_SPACE_STOP.sub(r"\1 ", text)


# -- ellipsis ------------------------------------------------------------------------------

THREE_DOTS = re.compile(r"\.{3,}|\. \. \.")
#: A run of non-space characters that is an address, not prose: a URL (``https://``,
#: ``www.``), an e-mail address, a domain followed by a path (``example.com/a``), or a
#: file path (``C:\\``, ``./``, ``/usr/``). Three dots inside one are part of it.
_ADDRESS = re.compile(
    r"(?:[a-z][a-z0-9+.-]*://|www\.)\S"
    r"|[\w.+-]+@[\w-]+\.\w"
    r"|\b[\w-]+\.[a-z]{2,}(?::\d+)?/"
    r"|^(?:[A-Za-z]:\\|\.{1,2}/|~/|/[\w.-]+/)",
    re.IGNORECASE,
)


def in_address(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` sits inside a URL, e-mail address or path: only when
    a non-space character touches it on both sides and that whole run looks like one."""
    if start == 0 or end >= len(text) or text[start - 1].isspace() or text[end].isspace():
        return False
    left = start
    while left > 0 and not text[left - 1].isspace():
        left -= 1
    right = end
    while right < len(text) and not text[right].isspace():
        right += 1
    return _ADDRESS.search(text[left:right]) is not None


def prose_dots(text: str) -> list[re.Match[str]]:
    """Three-dot runs that are prose (an ellipsis typed as dots), not part of an address."""
    return [m for m in THREE_DOTS.finditer(text) if not in_address(text, m.start(), m.end())]


def normalize_ellipsis(text: str, ellipsis: str) -> str:
    if ellipsis == "…":
        out, pos = [], 0
        for m in prose_dots(text):
            out += [text[pos : m.start()], "…"]
            pos = m.end()
        return "".join(out) + text[pos:]
    return text.replace("…", ellipsis)


# -- quotes --------------------------------------------------------------------------------

DOUBLE_QUOTES = frozenset('"“”„‟«»')
_QUOTE_CHAR = re.compile('["“”„‟«»]')
#: Characters a quotation may follow when it opens: brackets, dashes, a slash.
_OPENING_PUNCT = frozenset("([{-‐‑–—/")
#: Marks whose direction is in their shape, which decides when the neighbours do not
#: (``« привет »``). ``“`` and ``”`` are not: ``“`` opens in English and closes in Polish
#: and Russian inner quotes.
_ALWAYS_OPENS = frozenset("„‟«")
_ALWAYS_CLOSES = frozenset("»")
#: Cues with more marks than this are not paired (the search is quadratic in marks).
_MAX_MARKS = 64

_Role = str  # "o" opens, "c" closes, "e" either (decided by pairing)


class _Mark(NamedTuple):
    """A tuple, not a dataclass: a file of 200,000 cues has about 100,000 marks to pair."""

    pos: int
    role: _Role
    #: ``“``/``”`` where the neighbours do not say: the direction its shape suggests.
    hint: _Role | None
    #: A straight or curly double quote right after a digit (``6'2"``): an inch mark unless
    #: it closes a quotation (``"Catch 22"``).
    inch: bool
    #: Its role came from its shape alone (``»`` between two non-letters): good enough to
    #: pair ``« привет »``, not to rewrite an unbalanced mark as one whose shape says less.
    by_shape: bool = False


def _neighbour(text: str, pos: int, step: int) -> str | None:
    """The nearest character before (``step`` -1) or after (+1) ``pos`` that is neither a
    tag nor another double quote: stacked marks (``"„word``, ``word“»``) share a side."""
    k = pos + step
    while 0 <= k < len(text) and (text[k] == P or text[k] in DOUBLE_QUOTES):
        k += step
    return text[k] if 0 <= k < len(text) else None


def _kind(ch: str | None) -> str:
    """``s`` space or edge, ``o`` opening punctuation or quote, ``a`` letter or digit, ``p`` other."""
    if ch is None or ch.isspace():
        return "s"
    if ch in _OPENING_PUNCT or ch in _ALWAYS_OPENS:
        return "o"
    if ch.isalnum():
        return "a"
    return "p"


def _marks(text: str) -> list[_Mark] | None:
    """Every double quote that may be a quotation mark, with the role its neighbours give
    it; a quote between two letters (``a"b``) is not one. ``None`` if there are too many."""
    found = list(_QUOTE_CHAR.finditer(text))
    if len(found) > _MAX_MARKS:
        return None
    has_low = "„" in text
    marks: list[_Mark] = []
    for m in found:
        ch = m.group(0)
        before, after = _neighbour(text, m.start(), -1), _neighbour(text, m.start(), +1)
        left, right = _kind(before), _kind(after)
        if left == "a" and right == "a":
            continue  # inside a word: an apostrophe typed as a double quote, not a quotation
        by_shape = False
        if left in "so" and right in "ao":
            role: _Role = "o"
        elif left in "ap" and right in "sp":
            role = "c"
        elif ch in _ALWAYS_OPENS:  # « привет »: the shape decides where the neighbours do not
            role, by_shape = "o", True
        elif ch in _ALWAYS_CLOSES:
            role, by_shape = "c", True
        else:
            role = "e"  # spaces on both sides, ``" ."``, ``:"Hi``: pairing decides
        hint: _Role | None = None
        if role == "e" and ch == "”":
            hint = "c"
        elif role == "e" and ch == "“":
            hint = "c" if has_low else "o"  # „…“ (Polish, Russian inner) or “…” (English)
        inch = before is not None and before.isdigit() and ch in '"”' and role != "o"
        marks.append(_Mark(m.start(), role, hint, inch, by_shape))
    return marks


def _unique_pairing(roles: list[_Role]) -> list[_Role] | None:
    """The one way to read ``roles`` (``e`` free) as balanced, properly nested quotes;
    ``None`` when there is none or more than one."""
    if "e" not in roles:
        # Nothing to decide (most cues): the one reading is the roles themselves, if they
        # balance and nest; the table below would say the same, in quadratic time.
        depth = 0
        for role in roles:
            depth += 1 if role == "o" else -1
            if depth < 0:
                return None
        return list(roles) if depth == 0 else None
    n = len(roles)
    # ways[k][d]: how many ways marks k.. close everything from depth d (capped at 2)
    ways = [[0] * (n + 2) for _ in range(n + 1)]
    ways[n][0] = 1
    for k in range(n - 1, -1, -1):
        for d in range(n + 1):
            total = 0
            if roles[k] in "oe":
                total += ways[k + 1][d + 1]
            if roles[k] in "ce" and d > 0:
                total += ways[k + 1][d - 1]
            ways[k][d] = min(total, 2)
    if ways[0][0] != 1:
        return None
    out: list[_Role] = []
    depth = 0
    for k, role in enumerate(roles):
        if role in "oe" and ways[k + 1][depth + 1]:
            out.append("o")
            depth += 1
        else:
            out.append("c")
            depth -= 1
    return out


def pair_quotes(text: str) -> list[tuple[int, _Role]] | None:
    """Where the quotation marks of ``text`` are and whether each opens or closes.

    A mark's neighbours decide first (``"word`` opens, ``word",`` closes); marks with
    spaces on both sides (``" hello "``) are decided by pairing over the whole cue, which
    must leave exactly one balanced, nested reading. A quote after a digit is an inch mark
    (``6'2"``) unless it is needed to close a quotation. Quotes whose direction is clear
    but that do not balance (a quotation running over into the next cue) are kept as
    they are read, when their neighbours (not only their shapes) say so. ``None``: they
    cannot be paired unambiguously, and nobody should guess.
    """
    marks = _marks(text)
    if marks is None:
        return None
    if not marks:
        return []
    attempts = []
    for drop_inches in (False, True):
        kept = [m for m in marks if not (drop_inches and m.inch)]
        if drop_inches and len(kept) == len(marks):
            continue
        hinted = [m.hint or m.role for m in kept]
        plain = [m.role for m in kept]
        attempts.append((kept, hinted))
        if plain != hinted:
            attempts.append((kept, plain))
    for kept, roles in attempts:
        solved = _unique_pairing(roles)
        if solved is not None:
            return [(m.pos, r) for m, r in zip(kept, solved, strict=True)]
    # Unbalanced but unambiguous (a quotation spanning cues): every mark's role is known.
    for kept, roles in attempts:
        if "e" not in roles and not any(m.inch or m.by_shape for m in kept):
            return [(m.pos, r) for m, r in zip(kept, roles, strict=True)]
    return None


def normalize_quotes(text: str, outer: tuple[str, str], inner: tuple[str, str]) -> str:
    """Quotation marks in the language's style, nested outer/inner (``«… „…“ …»`` ru,
    ``„… «…» …”`` pl, ``“… ‘…’ …”`` en); deeper quotations keep the inner marks (English
    inner marks are single quotes, which a second run must not see as a new level). Marks
    that cannot be paired unambiguously, inch marks and apostrophes are left exactly as
    they are (``pair_quotes``). A closing mark
    with nothing open is an outer one, so a quotation spanning cues stays consistent.
    Only quote characters ever change, and running it on its own output changes nothing.
    """
    return apply_quotes(text, pair_quotes(text), outer, inner)


def apply_quotes(
    text: str, paired: list[tuple[int, _Role]] | None, outer: tuple[str, str], inner: tuple[str, str]
) -> str:
    """``normalize_quotes`` with the pairing (``pair_quotes(text)``) already made: the
    ``typo.quotes`` rule pairs each cue once, to judge it and to offer its repair."""
    if not paired:
        return text
    out = list(text)
    depth = 0
    for pos, role in paired:
        if role == "o":
            out[pos] = outer[0] if depth == 0 else inner[0]
            depth += 1
        else:
            depth = max(depth - 1, 0)
            out[pos] = outer[1] if depth == 0 else inner[1]
    return "".join(out)


# -- dialogue dashes -----------------------------------------------------------------------

DIALOGUE_DASH = re.compile(f"{_BOL}({P}*)([-‐‑–—])[ \\t\u00a0]*(?={P}*[^\\s\\d\\-‐‑–—{P}])")


def normalize_dashes(text: str, dash: str) -> str:
    """A speaker's line starts with the profile's dash (``- `` for ru/pl, ``-`` for en)."""
    return DIALOGUE_DASH.sub(lambda m: m.group(1) + dash, text)
