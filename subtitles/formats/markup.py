"""Inline markup of the text formats, converted to the SubStation tags pysubs2 keeps.

pysubs2 stores styling as ASS override tags (``{\\i1}``); every writer converts back from
those. SubRip and WebVTT use HTML-like tags, MicroDVD ``{y:i}`` codes, MPL2 a leading ``/``.
The conversions mirror pysubs2's own readers so that a file loaded here and one loaded by
pysubs2 hold the same text.
"""

from __future__ import annotations

import html
import re

_SIMPLE_TAGS = (
    (re.compile(r"< *i *>", re.IGNORECASE), r"{\\i1}"),
    (re.compile(r"< */ *i *>", re.IGNORECASE), r"{\\i0}"),
    (re.compile(r"< *b *>", re.IGNORECASE), r"{\\b1}"),
    (re.compile(r"< */ *b *>", re.IGNORECASE), r"{\\b0}"),
    (re.compile(r"< *u *>", re.IGNORECASE), r"{\\u1}"),
    (re.compile(r"< */ *u *>", re.IGNORECASE), r"{\\u0}"),
    (re.compile(r"< *s *>", re.IGNORECASE), r"{\\s1}"),
    (re.compile(r"< */ *s *>", re.IGNORECASE), r"{\\s0}"),
)
_OTHER_HTML = re.compile(r"< */? *[a-zA-Z][^>]*>")
_VTT_TAG = re.compile(r"</?(?:c|v|lang|ruby|rt)(?:[.\s][^>]*)?>|<\d[\d:.]*>")


def srt_text(lines: list[str]) -> str:
    """SubRip cue lines to pysubs2 text: ``<i>`` etc. become ASS tags, other tags go.

    ``<font color=...>`` is dropped, as pysubs2 does; entities are kept verbatim because
    SubRip has none (a literal ``&amp;`` in an SRT is a finding, not markup).
    """
    text = "\n".join(line.strip() for line in lines).strip()
    for pattern, repl in _SIMPLE_TAGS:
        text = pattern.sub(repl, text)
    text = _OTHER_HTML.sub("", text)
    return text.replace("\n", r"\N")


def vtt_text(lines: list[str]) -> str:
    """WebVTT cue text: ``<i> <b> <u>`` become ASS tags; classes, voices, ruby and
    karaoke timestamps are dropped; character references (``&amp;``) are decoded."""
    text = "\n".join(line.strip() for line in lines).strip()
    text = _VTT_TAG.sub("", text)
    for pattern, repl in _SIMPLE_TAGS:
        text = pattern.sub(repl, text)
    text = _OTHER_HTML.sub("", text)
    text = html.unescape(text)
    return text.replace("\n", r"\N")


_MDVD_STYLE = re.compile(r"\{[Yy]:([^}]*)\}")
_MDVD_FONT = re.compile(r"\{[Ff]:([^}]+)\}")
_MDVD_SIZE = re.compile(r"\{[Ss]:([^}]+)\}")
_MDVD_POS = re.compile(r"\{[Pp]:(\d+),(\d+)\}")
_MDVD_OTHER = re.compile(r"\{[CcHh]:[^}]*\}")


def microdvd_text(raw: str) -> str:
    """MicroDVD text: ``|`` is a line break, ``{y:i}`` italics (and b, u), ``{f:...}`` font."""

    def style(match: re.Match[str]) -> str:
        return "{" + "".join(f"\\{c}1" for c in "biu" if c in match.group(1).lower()) + "}"

    text = _MDVD_STYLE.sub(style, raw)
    text = _MDVD_FONT.sub(r"{\\fn\1}", text)
    text = _MDVD_SIZE.sub(r"{\\fs\1}", text)
    text = _MDVD_POS.sub(r"{\\pos(\1,\2)}", text)
    text = _MDVD_OTHER.sub("", text)
    text = text.replace("{}", "")
    return r"\N".join(part.strip() for part in text.split("|")).strip()


def mpl2_text(raw: str) -> str:
    """MPL2 text: ``|`` is a line break, a line starting with ``/`` is italic."""
    out = []
    for part in raw.split("|"):
        part = part.strip()
        if part.startswith("/"):
            part = r"{\i1}" + part[1:].strip() + r"{\i0}"
        out.append(part)
    return r"\N".join(out)
