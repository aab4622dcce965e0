"""The demo film and its uploads: a Russian narration with three subtitle files as
translators deliver them, flaws included, and the truth to check every stage against.

``build_demo_inputs(dir)`` writes, deterministically and from code (only the speech clips
are committed, in ``pipeline/demo_assets``):

* ``input/crackdown.mp4``: about 56 s, 320x180 H.264 with the title and a running clock,
  the ten Russian clips on a quiet synthetic music bed (speech 20 dB above it);
* ``input/crackdown.en.srt``: UTF-8, clean: no warning or error under the English profile;
* ``input/crackdown.ru.srt``: KOI8-R, correct timing, five planted flaws (a Latin ``o``
  inside a Cyrillic word, straight quotes where Russian wants «», one overlap, cue 8 ending
  4 frames past a shot change, cue 9 left out);
* the film has three shot changes (the background colour switches): on the title card, in
  the pause after cue 8, in the closing silence; ``input/house-profile.toml`` is the profile
  the demo's job validates with (a line left out is a warning there, not an error);
* ``input/crackdown.pl.srt``: cp1250 with CRLF line ends, the whole file 2.5 s late, an
  ASCII ``...`` for ``…`` and an unbroken 46-character line;
* ``input/planted_flaws.json``: every planted flaw with its rule id, cue number and the
  1-based source line where that cue starts (its index line);
* ``input/truth/{ru,en,pl}.srt`` (UTF-8: correct timing, clean text) and
  ``input/truth/speech.json`` (where each clip sounds in the film, to the millisecond).

Subtitle timing follows the Netflix rules of ``shared/qc-rules.md``: cues start ~100 ms
before the speech and end ~500 ms after it, on 25 fps frame boundaries, at least 13 frames
apart (so no gap is a "bridge gap" of 3 frames to 0.5 s), 5/6 s to 7 s long, lines within
39 (ru) or 42 (en, pl) characters, reading speed within 17 (ru, pl) or 20 (en)
characters per second, checked while building. Running the demo (``pipeline.demo_stages.run_demo``)
is separate from building its inputs.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from media.synth import Placement, compose, decode_pcm, make_speech_film
from subtitles.atomic import write_text
from subtitles.formats.srt import subrip_text
from subtitles.timing import frames_to_ms, ms_to_frames

ASSETS = Path(__file__).resolve().parent / "demo_assets"

TITLE = "Crackdown on Civil Society"
STEM = "crackdown"
FPS = Fraction(25)
RATE = 16000
SIZE = (320, 180)
SEED = 2012
SNR_DB = 20.0
LANGS = ("ru", "en", "pl")

#: Silence before the first clip (the title card) and after the last.
LEAD_MS = 4000
TAIL_MS = 5000
#: Pauses between the ten clips: 1.2-2 s, irregular as a narrator's.
PAUSES_MS = (1700, 1900, 1400, 2000, 1600, 1800, 1500, 1950, 1650)
#: Cue start before the speech, cue end after it.
LEAD_IN_MS = 100
LEAD_OUT_MS = 500
#: Closest two cues may be: more than 0.5 s, so the gap is neither too short nor bridgeable.
MIN_GAP_MS = 520
MAX_DURATION_MS = 7000
MIN_DURATION_MS = 834
PL_OFFSET_MS = 2500
OVERLAP_MS = 400
#: The Russian cue whose out-time runs ``CUT_OVERRUN_FRAMES`` frames past a shot change (the
#: cut sits in the pause after it, ``CUT_AFTER_FRAMES`` after the other languages' end).
CUT_CUE = 8
CUT_OVERRUN_FRAMES = 4
CUT_AFTER_FRAMES = 16
#: The Russian cue left out (its speech has an English and a Polish cue, no Russian one).
MISSING_CUE = 9
#: Shot changes away from any cue: on the title card, and in the closing silence.
TITLE_CUT_MS = 2000
CLOSING_CUT_BEFORE_END_MS = 1000
#: How close a cue boundary may come to a cut, before and after it, out of the shot rules'
#: reach (snap within 7 frames, "near" 8-11 frames before): only the planted one does.
CUT_CLEARANCE_FRAMES = (12, 8)
#: The house profile the demo's job validates with (``[validate] profile``): a line left out
#: of one language is reported as a warning, so that language still reaches mux, burn and
#: HLS, instead of the shipped error that stops it at validate.
HOUSE_PROFILE = "house-profile.toml"
HOUSE_PROFILE_TEXT = """\
# The demo's house profile: the shipped per-language profiles, with one change.
# A line left out of one language (speech.missing_xlang) is an error by default and stops
# that language at validate; this house lets the language ship and reports the finding.
[rules.severity]
"speech.missing_xlang" = "warning"
"""


@dataclass(frozen=True, slots=True)
class FileSpec:
    """How one language's upload is delivered and which limits its text keeps."""

    encoding: str
    newline: str
    max_line: int
    max_cps: float


SPECS: Mapping[str, FileSpec] = {
    "ru": FileSpec("koi8_r", "\n", 39, 17.0),
    "en": FileSpec("utf-8", "\n", 42, 20.0),
    "pl": FileSpec("cp1250", "\r\n", 42, 17.0),
}


@dataclass(frozen=True, slots=True)
class PlantedFlaw:
    """One deliberate defect of an upload, as ``planted_flaws.json`` lists it.

    ``line`` is the 1-based line where the flawed cue starts (its index line, as
    ``Cue.source_line``); ``text_line`` the line holding the flawed text itself, for text
    flaws; for an overlap, ``next_cue``/``next_line`` name the cue it runs into, since a
    checker may report either of the two. ``marker`` (not written) locates ``text_line``.
    """

    file: str
    rule: str | None = None
    kind: str | None = None
    cue: int | None = None
    line: int | None = None
    text_line: int | None = None
    next_cue: int | None = None
    next_line: int | None = None
    offset_ms: int | None = None
    #: For a line left out: the truth's cue number that was deleted (``cue`` is the one after).
    deleted_cue: int | None = None
    note: str = ""
    marker: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"file": self.file}
        keys = (
            "rule",
            "kind",
            "line",
            "cue",
            "text_line",
            "next_cue",
            "next_line",
            "offset_ms",
            "deleted_cue",
        )
        for key in keys:
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        if self.note:
            data["note"] = self.note
        return data


@dataclass(frozen=True, slots=True)
class SpeechSpan:
    """Where clip ``index`` (1-based) sounds in the film."""

    index: int
    clip: Path
    start_ms: int
    end_ms: int


@dataclass(frozen=True, slots=True)
class DemoCue:
    index: int
    start_ms: int
    end_ms: int
    lines: tuple[str, ...]

    @property
    def chars(self) -> int:
        """Visible characters, line breaks not counted (how reading speed is measured)."""
        return sum(len(line) for line in self.lines)


@dataclass(frozen=True)
class DemoInputs:
    """Everything ``build_demo_inputs`` wrote, and what is true about it."""

    root: Path
    film: Path
    subtitles: Mapping[str, Path]
    encodings: Mapping[str, str]
    flaws: tuple[PlantedFlaw, ...]
    flaws_file: Path
    truth: Mapping[str, Path]
    speech_file: Path
    speech: tuple[SpeechSpan, ...]
    duration_ms: int
    profile: Path | None = None
    #: The film's shot changes (ms, on frames), and the one the planted cue runs across.
    cuts_ms: tuple[int, ...] = ()
    planted_cut_ms: int | None = None
    fps: Fraction = FPS
    cues: Mapping[str, tuple[DemoCue, ...]] = field(default_factory=dict)

    @property
    def input_dir(self) -> Path:
        return self.root / "input"

    @property
    def outputs(self) -> list[Path]:
        extra = [self.profile] if self.profile is not None else []
        return [
            self.film,
            *self.subtitles.values(),
            self.flaws_file,
            *self.truth.values(),
            self.speech_file,
            *extra,
        ]


def load_script() -> dict[str, list[tuple[Path, str, int]]]:
    """The narration per language: (clip, spoken text, clip duration ms) in order."""
    data = json.loads((ASSETS / "clips.json").read_text(encoding="utf-8"))
    script: dict[str, list[tuple[Path, str, int]]] = {lang: [] for lang in LANGS}
    for entry in sorted(data["clips"], key=lambda c: (c["lang"], c["index"])):
        script[entry["lang"]].append((ASSETS / entry["file"], entry["text"], int(entry["duration_ms"])))
    return script


def build_demo_inputs(root: Path) -> DemoInputs:
    """Write the demo film, its three uploads, the flaw list and the truth under ``root``."""
    root = Path(root)
    inp = root / "input"
    script = load_script()
    speech = _speech_schedule(script["ru"])
    duration_ms = frames_to_ms(math.ceil((speech[-1].end_ms + TAIL_MS) * FPS / 1000), FPS)

    texts = {lang: [text for _, text, _ in script[lang]] for lang in LANGS}
    truth_texts = _truth_texts(texts)
    timing = _cue_timing(speech, truth_texts)
    truth = {
        lang: tuple(DemoCue(i + 1, a, b, break_lines(t, SPECS[lang].max_line)) for i, ((a, b), t) in
                    enumerate(zip(timing, truth_texts[lang], strict=True)))
        for lang in LANGS
    }  # fmt: skip
    cut_ms = _ceil_frame(timing[CUT_CUE - 1][1]) + frames_to_ms(CUT_AFTER_FRAMES, FPS)
    uploads, flaws = _plant_flaws(truth, cut_ms)
    cuts = (TITLE_CUT_MS, cut_ms, _floor_frame(duration_ms - CLOSING_CUT_BEFORE_END_MS))
    _check_cuts(cuts, cut_ms, {**truth, **{f"{k} upload": v for k, v in uploads.items()}})

    audio = compose(
        [Placement(s.clip, s.start_ms) for s in speech], duration_ms=duration_ms, rate=RATE, bed="music",
        snr_db=SNR_DB, seed=SEED,
    )  # fmt: skip
    film = make_speech_film(
        inp / f"{STEM}.mp4",
        audio=audio,
        rate=RATE,
        fps=FPS,
        size=SIZE,
        title=TITLE,
        language="rus",
        cuts_ms=cuts,
    )
    profile = inp / HOUSE_PROFILE
    write_text(profile, HOUSE_PROFILE_TEXT)

    subtitles: dict[str, Path] = {}
    all_flaws: list[PlantedFlaw] = []
    for lang in LANGS:
        name = f"{STEM}.{lang}.srt"
        spec = SPECS[lang]
        text, index_lines = srt_text(uploads[lang])
        path = inp / name
        write_text(path, text.replace("\n", spec.newline), encoding=spec.encoding)
        subtitles[lang] = path
        all_flaws.extend(_locate(flaw, name, uploads[lang], index_lines) for flaw in flaws[lang])
    flaws_file = inp / "planted_flaws.json"
    write_text(flaws_file, json.dumps([f.to_json() for f in all_flaws], ensure_ascii=False, indent=2) + "\n")

    truth_paths: dict[str, Path] = {}
    for lang in LANGS:
        truth_paths[lang] = inp / "truth" / f"{lang}.srt"
        write_text(truth_paths[lang], srt_text(truth[lang])[0])
    speech_file = inp / "truth" / "speech.json"
    facts = {**_speech_json(film, speech, duration_ms), "cuts_ms": list(cuts)}
    write_text(speech_file, json.dumps(facts, ensure_ascii=False, indent=2) + "\n")

    return DemoInputs(
        root=root,
        film=film,
        subtitles=subtitles,
        encodings={lang: SPECS[lang].encoding for lang in LANGS},
        flaws=tuple(all_flaws),
        flaws_file=flaws_file,
        truth=truth_paths,
        speech_file=speech_file,
        speech=tuple(speech),
        duration_ms=duration_ms,
        profile=profile,
        cuts_ms=cuts,
        planted_cut_ms=cut_ms,
        cues=uploads,
    )


def _speech_schedule(clips: Sequence[tuple[Path, str, int]]) -> list[SpeechSpan]:
    if len(PAUSES_MS) != len(clips) - 1:
        raise ValueError("one pause per pair of clips")
    spans = []
    at = LEAD_MS
    for i, (clip, _, _) in enumerate(clips):
        length = round(decode_pcm(clip, RATE).size * 1000 / RATE)  # the clip as decoded, not as listed
        spans.append(SpeechSpan(i + 1, clip, at, at + length))
        at += length + (PAUSES_MS[i] if i < len(PAUSES_MS) else 0)
    return spans


#: Where a subtitle says it shorter than the narration (as subtitlers condense: the year
#: in figures, a clause that fits two lines without leaving a preposition at a line end),
#: with each language's own typography.
SUBTITLE_TEXT: Mapping[tuple[str, int], str] = {
    ("ru", 1): "В 2012 году закон «об иностранных агентах» изменил всё.",
    ("ru", 2): "Организации с деньгами из-за рубежа должны были зарегистрироваться.",
    ("en", 1): "In 2012, the law on foreign agents\nchanged everything.",
    ("pl", 1): "W 2012 roku wszystko zmieniła ustawa o zagranicznych agentach.",
    ("pl", 10): "Społeczeństwo obywatelskie nie zniknęło… Przeniosło się.",
}


def _truth_texts(spoken: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """What each file should say: the narration, condensed where a subtitler would."""
    texts = {lang: list(lines) for lang, lines in spoken.items()}
    for (lang, number), text in SUBTITLE_TEXT.items():
        texts[lang][number - 1] = text
    return texts


def _floor_frame(ms: int) -> int:
    return frames_to_ms(ms_to_frames(ms, FPS), FPS)


def _ceil_frame(ms: int) -> int:
    frame = ms_to_frames(ms, FPS)
    return frames_to_ms(frame if frames_to_ms(frame, FPS) == ms else frame + 1, FPS)


def _cue_timing(speech: Sequence[SpeechSpan], texts: Mapping[str, list[str]]) -> list[tuple[int, int]]:
    """Cue (start, end) per clip: on frames, readable in every language, well apart.

    Reading speed is checked on the longest text of a cue over the three languages and
    their flawed variants (at most two characters longer), so one timing serves all.
    """
    starts = [_floor_frame(s.start_ms - LEAD_IN_MS) for s in speech]
    timing = []
    for i, span in enumerate(speech):
        end = _ceil_frame(span.end_ms + LEAD_OUT_MS)
        for lang in LANGS:
            chars = len(texts[lang][i].replace("\n", "")) + 2
            end = max(end, _ceil_frame(starts[i] + math.ceil(chars * 1000 / SPECS[lang].max_cps)))
        limit = starts[i + 1] - MIN_GAP_MS if i + 1 < len(starts) else None
        if (limit is not None and end > limit) or not MIN_DURATION_MS <= end - starts[i] <= MAX_DURATION_MS:
            raise ValueError(f"demo script: cue {i + 1} cannot be timed within the rules")
        timing.append((starts[i], end))
    return timing


def _check_cuts(cuts: Sequence[int], planted: int, tracks: Mapping[str, Sequence[DemoCue]]) -> None:
    """No cue boundary within the shot rules' reach of a cut, but the planted one's. The cut
    in the pause after cue ``CUT_CUE`` sits 16 frames after the other languages' out-time and
    11 before their next in-time: an aligned file a few frames off stays clear of it."""
    before, after = CUT_CLEARANCE_FRAMES
    for cut in cuts:
        frame = ms_to_frames(cut, FPS)
        for name, cues in tracks.items():
            for cue in cues:
                for edge in (cue.start_ms, cue.end_ms):
                    if -before < ms_to_frames(edge, FPS) - frame < after and not (
                        cut == planted and name == "ru upload" and cue.index == CUT_CUE and edge == cue.end_ms
                    ):
                        raise ValueError(
                            f"demo script: {name} cue {cue.index} is too close to the cut at {cut} ms"
                        )


def _locate(flaw: PlantedFlaw, name: str, cues: Sequence[DemoCue], index_lines: Sequence[int]) -> PlantedFlaw:
    """The flaw with its file name and source lines filled in."""
    located = dataclasses.replace(flaw, file=name)
    if flaw.cue is None:
        return located
    line = index_lines[flaw.cue - 1]
    located = dataclasses.replace(located, line=line)
    if flaw.marker is not None:
        at = next(i for i, text in enumerate(cues[flaw.cue - 1].lines) if flaw.marker in text)
        located = dataclasses.replace(located, text_line=line + 2 + at)  # after index and timing
    if flaw.next_cue is not None:
        located = dataclasses.replace(located, next_line=index_lines[flaw.next_cue - 1])
    return located


def _plant_flaws(
    truth: Mapping[str, tuple[DemoCue, ...]], cut_ms: int
) -> tuple[dict[str, tuple[DemoCue, ...]], dict[str, list[PlantedFlaw]]]:
    """The uploads as delivered: the truth with the planted flaws. ``line`` is filled in later."""
    ru = list(truth["ru"])
    flaws: dict[str, list[PlantedFlaw]] = {"ru": [], "en": [], "pl": []}

    def edit(cues: list[DemoCue], number: int, old: str, new: str) -> None:
        cue = cues[number - 1]
        joined = "\n".join(cue.lines)
        if old not in joined:
            raise ValueError(f"demo script: {old!r} not in cue {number}")
        cues[number - 1] = DemoCue(
            cue.index, cue.start_ms, cue.end_ms, tuple(joined.replace(old, new).split("\n"))
        )

    edit(ru, 1, "«об иностранных агентах»", '"об иностранных агентах"')
    flaws["ru"].append(
        PlantedFlaw("", "typo.quotes", cue=1, marker='"', note="straight quotes where Russian wants «»")
    )
    edit(ru, 4, "Проверки", "Пр\u006fверки")
    flaws["ru"].append(
        PlantedFlaw("", "text.mixed_script", cue=4, marker="Пр\u006f", note="Latin o (U+006F) in 'Проверки'")
    )
    ru[5] = DemoCue(6, ru[5].start_ms, ru[6].start_ms + OVERLAP_MS, ru[5].lines)
    flaws["ru"].append(
        PlantedFlaw("", "timing.overlap", cue=6, next_cue=7, note=f"ends {OVERLAP_MS} ms after cue 7 starts")
    )
    late = ru[CUT_CUE - 1]
    ru[CUT_CUE - 1] = DemoCue(
        late.index, late.start_ms, cut_ms + frames_to_ms(CUT_OVERRUN_FRAMES, FPS), late.lines
    )
    flaws["ru"].append(
        PlantedFlaw(
            "",
            "shot.snap",
            cue=CUT_CUE,
            note=f"ends {CUT_OVERRUN_FRAMES} frames after the shot change at {cut_ms} ms "
            "(snapping ends it 2 frames before the cut)",
        )
    )
    if MISSING_CUE <= 7 or len(ru) <= MISSING_CUE:
        raise ValueError("demo script: the left-out cue must come after the other flaws and not be the last")
    del ru[MISSING_CUE - 1]
    ru = [DemoCue(i + 1, c.start_ms, c.end_ms, c.lines) for i, c in enumerate(ru)]
    flaws["ru"].append(
        PlantedFlaw(
            "",
            "speech.missing_xlang",
            cue=MISSING_CUE,
            deleted_cue=MISSING_CUE,
            note=f"cue {MISSING_CUE} left out: its speech has an en and a pl cue, no ru one (reported at the "
            "cue after the gap)",
        )
    )

    pl = list(truth["pl"])
    edit(pl, 10, "zniknęło…", "zniknęło...")
    flaws["pl"].append(PlantedFlaw("", "typo.ellipsis", cue=10, marker="...", note="three dots instead of …"))
    five = pl[4]
    pl[4] = DemoCue(5, five.start_ms, five.end_ms, (" ".join(five.lines),))
    long_line = pl[4].lines[0]
    flaws["pl"].append(
        PlantedFlaw(
            "", "read.line_length", cue=5, marker=long_line, note=f"one line of {len(long_line)} characters"
        )
    )
    pl = [DemoCue(c.index, c.start_ms + PL_OFFSET_MS, c.end_ms + PL_OFFSET_MS, c.lines) for c in pl]
    flaws["pl"].append(PlantedFlaw("", "xlang.offset", offset_ms=PL_OFFSET_MS, note="whole file 2.5 s late"))
    flaws["pl"].append(PlantedFlaw("", kind="timing_offset", offset_ms=PL_OFFSET_MS))
    return {"ru": tuple(ru), "en": truth["en"], "pl": tuple(pl)}, flaws


#: Words a line should not end with (Netflix: do not separate a preposition, conjunction
#: or article from the word it belongs to).
_CLINGING: frozenset[str] = frozenset(
    {
        # Russian
        "в", "во", "на", "из-за", "и", "а", "но", "с", "со", "к", "ко", "у", "о", "об", "от", "из", "за",
        "до", "по", "не", "что", "как", "без", "для", "при", "про", "через", "над", "под", "перед",
        "между",
        # English
        "the", "a", "an", "of", "in", "on", "at", "to", "and", "or", "but", "for", "with", "by",
        "from", "into", "onto", "about", "than", "as", "that",
        # Polish
        "w", "we", "na", "i", "z", "ze", "o", "do", "od", "po", "za", "u", "że", "nie", "bez",
        "dla", "przy", "przez", "nad", "pod", "przed", "między", "oraz", "lub", "albo", "ani",
    }
)  # fmt: skip


_PUNCTUATION = "«»„“”\"'()[],.;:!?…"
_OPENING = "«„“"
_CLOSING = "»”"


def break_lines(text: str, max_chars: int) -> tuple[str, ...]:
    """Break a cue into at most two lines of at most ``max_chars`` characters.

    A text that fits stays on one line. Otherwise the break goes where the two lines are
    most even, preferring a break after punctuation and never leaving a preposition or
    conjunction at a line end; the top line may be the shorter (a "pyramid"). A ``\n`` in
    the text is a break chosen by hand (a noun phrase kept whole) and is kept.
    """
    if "\n" in text:
        lines = tuple(text.split("\n"))
        if len(lines) > 2 or max(map(len, lines)) > max_chars:
            raise ValueError(f"demo script: {text!r} is not two lines of at most {max_chars}")
        return lines
    if len(text) <= max_chars:
        return (text,)
    words = text.split(" ")
    best: tuple[float, tuple[str, str]] | None = None
    for k in range(1, len(words)):
        top, bottom = " ".join(words[:k]), " ".join(words[k:])
        if len(top) > max_chars or len(bottom) > max_chars:
            continue
        score = abs(len(top) - len(bottom)) + (2 if len(top) > len(bottom) else 0)
        if top[-1] in ".!?…":
            score -= 30  # one sentence per line
        elif top[-1] in ",;:":
            score -= 12
        if words[k - 1].strip(_PUNCTUATION).lower() in _CLINGING:
            score += 40
        if sum(top.count(q) for q in _OPENING) > sum(top.count(q) for q in _CLOSING) or top.count('"') % 2:
            score += 30  # do not split a quoted phrase
        if best is None or score < best[0]:
            best = (score, (top, bottom))
    if best is None:
        raise ValueError(f"demo script: cannot fit {text!r} in two lines of {max_chars}")
    return best[1]


def srt_text(cues: Sequence[DemoCue]) -> tuple[str, list[int]]:
    """SRT text (``\\n`` line ends) and the 1-based line of each cue's index line."""
    starts: list[int] = []
    line = 1
    for cue in cues:  # index, timing, the text lines, a blank line
        starts.append(line)
        line += 3 + len(cue.lines)
    text = subrip_text((c.start_ms, c.end_ms, "\n".join(c.lines)) for c in cues)  # lines as given
    return text, starts


def _speech_json(film: Path, speech: Sequence[SpeechSpan], duration_ms: int) -> dict[str, Any]:
    return {
        "film": film.name,
        "language": "ru",
        "duration_ms": duration_ms,
        "fps": str(FPS),
        "sample_rate": RATE,
        "bed": "music",
        "snr_db": SNR_DB,
        "seed": SEED,
        "speech": [
            {"index": s.index, "clip": s.clip.name, "start_ms": s.start_ms, "end_ms": s.end_ms}
            for s in speech
        ],
    }
