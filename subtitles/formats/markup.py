"""Inline markup of the text formats, converted to the SubStation tags pysubs2 keeps.

pysubs2 stores styling as ASS override tags (``{\\i1}``); every writer converts back from
those. SubRip and WebVTT use HTML-like tags, MicroDVD ``{y:i}`` codes, MPL2 a leading ``/``.
The conversions mirror pysubs2's own readers so that a file loaded here and one loaded by
pysubs2 hold the same text.
"""

from __future__ import annotations

import html
import re

from subtitles.model import Cue

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
    # one line (most cues): nothing to join; no tag (most): nothing to convert
    text = lines[0].strip() if len(lines) == 1 else "\n".join([line.strip() for line in lines]).strip()
    if "<" in text:  # every tag pattern starts with '<'
        for pattern, repl in _SIMPLE_TAGS:
            text = pattern.sub(repl, text)
        text = _OTHER_HTML.sub("", text)
    return text.replace("\n", r"\N") if "\n" in text else text


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


# -- writing: one conversion per pair of markups ----------------------------------------------

#: SubRip/WebVTT tag tokens: ``<i>``, ``</font>``, ``<c.yellow>``, ``<v Bob>``, timestamps.
_HTML_TOKEN = re.compile(r"<(/?)\s*([A-Za-z][A-Za-z0-9]*)((?:[.\s][^<>]*)?)>|<\d[\d:.]*>")
#: Tags each markup has: SubRip (as players read it) and WebVTT (the specification's).
HTML_TAGS = {
    "srt": frozenset({"i", "b", "u", "s", "font"}),
    "vtt": frozenset({"i", "b", "u", "c", "v", "lang", "ruby", "rt"}),
}
ASS_BLOCKS = re.compile(r"\{[^{}]*\}")
_ASS_TOKEN = re.compile(r"\{([^{}]*)\}|\\[Nnh]")
_ASS_CODE = re.compile(r"\\(?:(1?c)(&H[0-9A-Fa-f]+&?)?|([ibus])(\d*)|(an)(\d)|(r)\b[^\\]*)")
_FONT_ATTR = re.compile(r"""(color|face|size)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)
_CSS_COLOURS = {
    "white": "ffffff", "black": "000000", "red": "ff0000", "lime": "00ff00", "green": "008000",
    "blue": "0000ff", "yellow": "ffff00", "cyan": "00ffff", "aqua": "00ffff", "magenta": "ff00ff",
    "fuchsia": "ff00ff", "silver": "c0c0c0", "gray": "808080", "grey": "808080", "orange": "ffa500",
}  # fmt: skip


def _escape_vtt(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _rgb(value: str) -> str | None:
    """``#RRGGBB``, ``RRGGBB``, ``#RGB`` or a basic CSS name as six hex digits."""
    value = value.strip().lower()
    value = _CSS_COLOURS.get(value, value).lstrip("#")
    if re.fullmatch(r"[0-9a-f]{3}", value):
        value = "".join(c * 2 for c in value)
    return value if re.fullmatch(r"[0-9a-f]{6}", value) else None


def _clean_lines(text: str) -> str:
    """Lines a SubRip/WebVTT block can hold (a blank line would end the cue early), without
    the spaces a dropped tag leaves at their ends."""
    return "\n".join(stripped for line in text.split("\n") if (stripped := line.strip()))


def ass_to_html(text: str, target: str) -> str:
    """pysubs2 (SubStation) text as SubRip (``srt``) or WebVTT (``vtt``) markup.

    Italic, bold and underline become tags, closed by the end of the cue at the latest;
    a colour becomes ``<font color>`` and ``{\\anN}`` stays (SubRip players honour both);
    WebVTT gets neither (it positions cues with settings) and has ``&`` and ``<`` escaped.
    Every other override code is dropped: the target cannot say it.
    """
    if "{" not in text and target == "srt":
        plain = text.replace("\\N", "\n").replace("\\n", "\n")
        if "\\" not in plain:  # no override and no other code: only the line breaks to convert
            return plain if plain == plain.strip() and "\n" not in plain else _clean_lines(plain)
    out: list[str] = []
    stack: list[str] = []

    def close(name: str) -> None:
        if name not in stack:
            return
        reopen: list[str] = []
        while stack:
            top = stack.pop()
            out.append(f"</{top}>")
            if top == name:
                break
            reopen.append(top)
        for again in reversed(reopen):
            out.append(f"<{again}>" if again != "font" else "")
            if again != "font":
                stack.append(again)

    def literal(chunk: str) -> str:
        return _escape_vtt(chunk) if target == "vtt" else chunk

    pos = 0
    for m in _ASS_TOKEN.finditer(text):
        out.append(literal(text[pos : m.start()]))
        pos = m.end()
        token = m.group(0)
        if token in ("\\N", "\\n"):
            out.append("\n")
            continue
        if token == "\\h":
            out.append("\u00a0")
            continue
        for code in _ASS_CODE.finditer(m.group(1)):
            colour, colour_value, style, value, an, an_value, reset = code.groups()
            if style is not None:
                on = value not in ("", "0")
                if value == "" or (style == "s" and target == "vtt"):
                    continue
                if on and style not in stack:
                    out.append(f"<{style}>")
                    stack.append(style)
                elif not on:
                    close(style)
            elif colour is not None and target == "srt":
                close("font")
                bgr = (colour_value or "").strip("&Hh").rjust(6, "0")[-6:]
                if colour_value:
                    out.append(f'<font color="#{bgr[4:6]}{bgr[2:4]}{bgr[0:2]}">'.lower())
                    stack.append("font")
            elif an is not None and target == "srt":
                out.append(f"{{\\an{an_value}}}")
            elif reset is not None:
                while stack:
                    out.append(f"</{stack.pop()}>")
    out.append(literal(text[pos:]))
    out.extend(f"</{name}>" for name in reversed(stack))
    return _clean_lines("".join(out))


def html_to_html(raw: str, source: str, target: str) -> str:
    """SubRip markup as WebVTT or the other way: the tags both have stay (``<i> <b> <u>``),
    the others go cleanly (``<font>`` and ``{\\an8}`` into WebVTT; classes, voices, ruby
    and timestamps into SubRip); WebVTT's character references are decoded or made."""
    if source == target:
        return raw
    keep = HTML_TAGS[source] & HTML_TAGS[target]
    out: list[str] = []
    pos = 0
    text = raw if source == "vtt" else ASS_BLOCKS.sub("", raw) if target == "vtt" else raw

    def literal(chunk: str) -> str:
        if source == "vtt":
            return html.unescape(chunk)
        return _escape_vtt(chunk)

    for m in _HTML_TOKEN.finditer(text):
        out.append(literal(text[pos : m.start()]))
        pos = m.end()
        name = (m.group(2) or "").lower()
        if name in keep:
            out.append(f"<{'/' if m.group(1) else ''}{name}>")
    out.append(literal(text[pos:]))
    return _clean_lines("".join(out))


def html_to_ass(raw: str, source: str) -> str:
    """SubRip or WebVTT markup as SubStation text, ``<font>`` included (colour, face and
    size become ``\\c``, ``\\fn`` and ``\\fs``, restored when the font closes), which the
    reader's conversion (pysubs2's) drops."""
    out: list[str] = []
    fonts: list[dict[str, str]] = []
    pos = 0

    def literal(chunk: str) -> str:
        chunk = html.unescape(chunk) if source == "vtt" else chunk
        return chunk.replace("\n", "\\N")

    for m in _HTML_TOKEN.finditer(raw):
        out.append(literal(raw[pos : m.start()]))
        pos = m.end()
        closing, name = bool(m.group(1)), (m.group(2) or "").lower()
        if name in ("i", "b", "u", "s"):
            out.append(f"{{\\{name}{0 if closing else 1}}}")
        elif name == "font" and source == "srt" and not closing:
            codes: dict[str, str] = {}
            for attr in _FONT_ATTR.finditer(m.group(3) or ""):
                key, value = attr.group(1).lower(), next(v for v in attr.groups()[1:] if v is not None)
                if key == "color" and (rgb := _rgb(value)) is not None:
                    codes["c"] = f"&H{rgb[4:6]}{rgb[2:4]}{rgb[0:2]}&".upper()
                elif key == "face" and value.strip():
                    codes["fn"] = value.strip()
                elif key == "size" and value.strip().isdigit():
                    codes["fs"] = value.strip()
            fonts.append(codes)
            if codes:
                out.append("{" + "".join(f"\\{k}{v}" for k, v in codes.items()) + "}")
        elif name == "font" and source == "srt" and fonts:
            ended = fonts.pop()
            restore = {k: next((f[k] for f in reversed(fonts) if k in f), "") for k in ended}
            if restore:
                out.append("{" + "".join(f"\\{k}{v}" for k, v in restore.items()) + "}")
    out.append(literal(raw[pos:]))
    return "".join(out)


_LINE_SETTING = re.compile(r"(?:^|\s)line:(-?\d+(?:\.\d+)?)(%?)")
_AN_CODE = re.compile(r"\{[^{}]*\\an?\d[^{}]*\}")
_TOP_AN = re.compile(r"^\{[^{}]*\\an([789])[^{}]*\}")


def vtt_on_top(settings: str) -> bool:
    """Whether WebVTT cue settings put the cue at the top (``line:0``, ``line:10%``)."""
    m = _LINE_SETTING.search(settings)
    if m is None:
        return False
    value = float(m.group(1))
    return value < 50 if m.group(2) else 0 <= value < 4


def cue_html(cue: Cue, target: str) -> str:
    """A cue's text in SubRip (``srt``) or WebVTT (``vtt``) markup: the source's own
    markup when the text is unchanged (converted between the two if need be), else
    converted from ``Cue.text``. A WebVTT cue placed at the top keeps its place in SubRip
    as ``{\\an8}``."""
    markup = cue.source_markup()
    if markup is not None and markup.format in HTML_TAGS:
        text = markup.raw if markup.format == target else html_to_html(markup.raw, markup.format, target)
    else:
        text = ass_to_html(cue.text, target)
    if target == "srt" and cue.settings and vtt_on_top(cue.settings) and not _AN_CODE.search(text):
        text = "{\\an8}" + text
    return text


def cue_ass(cue: Cue) -> str:
    """A cue's text as SubStation text: ``Cue.text``, or from the SubRip source's markup
    when it has what pysubs2's reading dropped (``<font>``); a top WebVTT cue gets ``\\an8``."""
    markup = cue.source_markup()
    text = cue.text
    if markup is not None and markup.format == "srt" and "<font" in markup.raw.lower():
        text = html_to_ass(markup.raw.strip(), markup.format)
    if cue.settings and vtt_on_top(cue.settings) and not _AN_CODE.search(text):
        text = "{\\an8}" + text
    return text


def top_settings(cue: Cue) -> str:
    """WebVTT settings for a cue: its own, else ``line:0`` for a SubRip/SubStation cue
    placed at the top with ``{\\an7}``..``{\\an9}`` (bottom is WebVTT's default)."""
    if cue.settings:
        return cue.settings
    markup = cue.source_markup()
    text = markup.raw if markup is not None else cue.text
    m = _TOP_AN.match(text)
    if m is None:
        return ""
    return "line:0 " + {"7": "align:start", "8": "align:center", "9": "align:end"}[m.group(1)]
