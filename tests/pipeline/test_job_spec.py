"""Job specs and job folders: defaults, errors that name file, line and key, paths kept
inside the job folder, and the one options map behind both spec keys and CLI flags."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click
import pytest

from pipeline.spec import JobSpecError, key_line, load_job
from pipeline.stages import STAGES
from pipeline.stages_options import (
    CONFIG_MAP,
    AlignSettings,
    ValidateSettings,
    click_options,
    merged,
    pop_cli_overrides,
)

SRT = "1\n00:00:01,000 --> 00:00:02,500\nHello.\n"


def folder_job(tmp_path: Path, langs: tuple[str, ...] = ("ru", "en", "pl")) -> Path:
    job = tmp_path / "job"
    job.mkdir()
    (job / "film.mp4").write_bytes(b"not decoded while planning")
    for lang in langs:
        (job / f"film.{lang}.srt").write_text(SRT, encoding="utf-8")
    return job


def test_folder_without_spec_is_a_job_with_defaults(tmp_path: Path) -> None:
    job = folder_job(tmp_path)
    (job / "notes.srt").write_text(SRT, encoding="utf-8")  # not named after the film
    (job / "film.en.forced.srt").write_text(SRT, encoding="utf-8")
    spec = load_job(job)
    assert spec.name == "job" and spec.film == (job / "film.mp4").resolve() and spec.spec_path is None
    assert [(s.tag, s.language.tag) for s in spec.subtitles] == [
        ("en", "en"), ("en.forced", "en"), ("pl", "pl"), ("ru", "ru"),
    ]  # fmt: skip
    assert spec.ignored == ("notes.srt: not named film.<lang>.srt",)
    assert spec.stages is None and spec.settings == {}
    assert spec.setting("align") == AlignSettings()


def test_spec_names_files_and_options(tmp_path: Path) -> None:
    job = folder_job(tmp_path)
    (job / "house.toml").write_text("[thresholds]\nmax_cps = 15\n", encoding="utf-8")
    (job / "sub").mkdir()
    (job / "sub" / "english.srt").write_text(SRT, encoding="utf-8")
    (job / "job.toml").write_text(
        'name = "Crackdown"\nfilm = "film.mp4"\nstages = ["inspect", "fix", "mux"]\n\n'
        '[subtitles]\nru = "film.ru.srt"\nen = "sub/english.srt"\n\n'
        '[validate]\nprofile = "house.toml"\nmax_cps = 15\ndisable = ["typo"]\n'
        'severity = { "read.cps" = "error" }\n\n'
        "[align]\nmin_confidence = 0.6\n",
        encoding="utf-8",
    )
    spec = load_job(job)  # the folder's job.toml is its spec
    assert spec.name == "Crackdown" and spec.spec_path == (job / "job.toml").resolve()
    assert [(s.tag, s.path.name) for s in spec.subtitles] == [("ru", "film.ru.srt"), ("en", "english.srt")]
    assert spec.stages == ("inspect", "fix", "mux")
    assert spec.settings["validate"] == ValidateSettings(
        profile="house.toml", max_cps=15.0, disable=("typo",), severity=("read.cps=error",)
    )
    assert spec.settings["align"].min_confidence == 0.6


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        ('film = "film.mp4"\n\n[align]\nsplits = true\nmin_confidence = "high"\n', 5,
         '[align] min_confidence: must be a number, not \'high\''),
        ('[align]\nmin_confidence = 1.5\n', 2, "[align] min_confidence: must be between 0 and 1"),
        ('\n\n[validate]\nmax_cps = 15\nmax_cpss = 3\n', 5,
         "[validate] max_cpss: unknown key (did you mean 'max_cps'?)"),
        ('film = "film.mp4"\nfilms = 2\n', 2, "films: unknown key"),
        ('stages = ["inspect", "render"]\n', 1, "stages: unknown stage 'render'"),
        ('[subtitles]\nru = "film.ru.srt"\nxx-nope = "film.en.srt"\n', 3, "[subtitles] xx-nope:"),
        ('[subtitles]\nru = "missing.srt"\n', 2, "[subtitles] ru: 'missing.srt' not found in the job folder"),
        ('[mux]\ncontainer = "avi"\n', 2, "[mux] container: must be mkv or mp4"),
        ('[align\nsplits = true\n', 1, "not valid TOML"),
        ('name = "x"\n[align]\nmax_offset = -3\n', 3, "[align] max_offset: must be positive"),
    ],
)  # fmt: skip
def test_spec_errors_name_the_line_and_the_key(tmp_path: Path, text: str, line: int, needle: str) -> None:
    job = folder_job(tmp_path)
    spec = job / "job.toml"
    spec.write_text(text, encoding="utf-8")
    with pytest.raises(JobSpecError) as exc:
        load_job(spec)
    assert exc.value.line == line, str(exc.value)
    assert needle in exc.value.message
    assert str(exc.value).startswith(f"{spec.resolve()}:{line}: ")


@pytest.mark.parametrize(
    ("value", "how"),
    [
        ("../outside/film.mp4", "with '..'"),
        ("/etc/passwd", "absolute"),
        ("link/film.mp4", "through a symlink"),
    ],
)
def test_paths_leading_outside_the_job_folder_are_refused(tmp_path: Path, value: str, how: str) -> None:
    job = folder_job(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "film.mp4").write_bytes(b"another film")
    (job / "link").symlink_to(outside)
    (job / "job.toml").write_text(f'# uploaded with the film\nfilm = "{value}"\n', encoding="utf-8")
    with pytest.raises(JobSpecError) as exc:
        load_job(job)
    assert exc.value.line == 2
    assert how in exc.value.message and value in exc.value.message


def test_a_symlinked_upload_leading_outside_is_refused_in_a_folder_job(tmp_path: Path) -> None:
    job = folder_job(tmp_path, ("ru",))
    secret = tmp_path / "secret.srt"
    secret.write_text(SRT, encoding="utf-8")
    (job / "film.en.srt").symlink_to(secret)
    with pytest.raises(JobSpecError, match="leads outside the job folder"):
        load_job(job)


def test_folder_errors(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(JobSpecError, match="no film"):
        load_job(empty)
    two = folder_job(tmp_path)
    (two / "other.mkv").write_bytes(b"x")
    with pytest.raises(JobSpecError, match="more than one film"):
        load_job(two)
    (two / "other.mkv").unlink()
    for p in two.glob("*.srt"):
        p.unlink()
    with pytest.raises(JobSpecError, match=r"no subtitle uploads named film\.<lang>"):
        load_job(two)


def test_key_line_finds_dotted_inline_and_quoted_keys() -> None:
    text = (
        'name = "a"\n[validate]\n"max_cps" = 3\n\n[subtitles]\nru = "x"\n[mux]\n  default = "ru"  # comment\n'
    )
    assert key_line(text, "validate", "max_cps") == 3
    assert key_line(text, "subtitles", "ru") == 6
    assert key_line(text, "mux", "default") == 8
    assert key_line(text, "", "name") == 1
    assert key_line("align.min_confidence = 2\n", "align", "min_confidence") == 1
    assert key_line('subtitles = { ru = "a", en = "b" }\n', "subtitles", "en") == 1
    assert key_line(text, "mux", None) == 7


def test_every_spec_key_with_a_flag_is_a_cli_option_on_the_same_field() -> None:
    """The flag and the spec key are one dataclass field: they cannot drift apart."""

    @click.command()
    @click_options
    def cmd(**params: object) -> None:
        raise AssertionError("not run")

    flags = {opt for p in cmd.params for opt in p.opts}
    for section, cls in CONFIG_MAP.items():
        for f in dataclasses.fields(cls):
            flag = f.metadata.get("flag")
            assert f.metadata.get("help"), (section, f.name)
            if flag:
                assert flag in flags, (section, f.name, flag)
    ctx = cmd.make_context(
        "cmd", ["--max-cps", "15", "--no-splits", "--disable", "typo", "--disable", "read"]
    )
    params = dict(ctx.params)
    overrides = pop_cli_overrides(params)
    assert params == {}
    assert overrides == {
        "validate": {"max_cps": 15.0, "disable": ["typo", "read"]},
        "align": {"splits": False},
    }
    from_spec = ValidateSettings(max_cps=20.0, max_line_length=40)
    assert merged("validate", from_spec, overrides["validate"]) == ValidateSettings(
        max_cps=15.0, max_line_length=40, disable=("typo", "read")
    )
    assert "mux" in STAGES and all(s.section in (None, *CONFIG_MAP) for s in STAGES.values())


def test_burn_and_hls_sections_are_the_commands_own_options(tmp_path: Path) -> None:
    """[burn] and [hls] take their fields from BurnOptions and HlsOptions (same names, types,
    defaults), so a spec key, a run flag and `subpipe burn`'s option are one field."""
    from pipeline.burn import BurnOptions
    from pipeline.hls import HlsOptions

    for section, source in (("burn", BurnOptions), ("hls", HlsOptions)):
        theirs = {f.name: f.default for f in dataclasses.fields(source)}
        ours = {f.name: f.default for f in dataclasses.fields(CONFIG_MAP[section]) if f.name != "enabled"}
        assert ours and all(theirs[k] == v for k, v in ours.items()), section
    assert {"heights", "aspects", "font"} <= {f.name for f in dataclasses.fields(CONFIG_MAP["burn"])}
    assert "heights" in {f.name for f in dataclasses.fields(CONFIG_MAP["hls"])}

    job = folder_job(tmp_path)
    (job / "title.ttf").write_bytes(b"font")
    spec = job / "job.toml"
    spec.write_text(
        '[burn]\nenabled = true\nheights = [720, 480]\naspects = ["source", "9:16"]\nfont = "title.ttf"\n'
        "[hls]\nheights = [360]\nsegment_s = 4\n",
        encoding="utf-8",
    )
    loaded = load_job(spec)
    burn, hls = loaded.setting("burn"), loaded.setting("hls")
    assert burn.heights == (720, 480) and burn.aspects == ("source", "9:16") and burn.font == "title.ttf"
    assert hls.heights == (360,) and hls.segment_s == 4
    spec.write_text('[burn]\nheights = ["720p"]\n', encoding="utf-8")
    with pytest.raises(JobSpecError, match=r"job.toml:2: \[burn\] heights: must be a list of whole numbers"):
        load_job(spec)
    spec.write_text('[burn]\nfont = "../elsewhere.ttf"\n', encoding="utf-8")
    with pytest.raises(JobSpecError, match="leads outside the job folder"):
        load_job(spec)

    # the flags: repeated --burn-height and --hls-height become the same tuples
    @click.command()
    @click_options
    def cmd(**params: object) -> None:
        overrides = pop_cli_overrides(dict(params))
        burn = merged("burn", CONFIG_MAP["burn"](), overrides["burn"])
        hls = merged("hls", CONFIG_MAP["hls"](), overrides["hls"])
        click.echo(f"{burn.heights} {hls.heights} {burn.enabled}")

    from click.testing import CliRunner

    done = CliRunner().invoke(
        cmd, ["--burn", "--burn-height", "720", "--burn-height", "480", "--hls-height", "360"]
    )
    assert done.exit_code == 0, done.output
    assert done.output.strip() == "(720, 480) (360,) True"
