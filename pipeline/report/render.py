"""Pages from the model: Jinja2 templates, autoescaped, with the pictures and the small
script inlined so one file opens anywhere (``file://``, a mail attachment, no network).

A subtitle line is data: autoescaping shows ``<script>`` in a cue as text. Only two kinds
of markup are inserted unescaped, both made here and not from the job's inputs: the SVG
that matplotlib wrote (it escapes the text it draws) and the page's own CSS and script.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pipeline.report.model import SEVERITIES

TEMPLATES = Path(__file__).resolve().parent / "templates"


@functools.cache
def environment() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["seconds"] = lambda s: "" if s is None else f"{s:.2f} s"
    env.filters["pct"] = lambda x: "" if x is None else f"{100 * float(x):.0f}%"
    env.filters["conf"] = lambda x: "–" if x is None else f"{float(x):.2f}"
    return env


def _asset(name: str) -> Any:
    from markupsafe import Markup

    return Markup((TEMPLATES / name).read_text("utf-8"))


def render_job(model: Mapping[str, Any]) -> str:
    """The job page: ``model`` from ``pipeline.report.model.job_model``, pictures drawn here."""
    from markupsafe import Markup

    from pipeline.report import plots

    pictures: dict[str, dict[str, Any]] = {}
    for n, lang in enumerate(model["languages"]):
        salt = f"{n}-{lang['tag']}"
        entry: dict[str, Any] = {"align": None, "zoom": None, "cps": None}
        al = lang["alignment"]
        if al is not None and al["data"] is not None:
            main, zoom = plots.alignment_svgs(al["data"], al["worst"], salt)
            entry["align"] = Markup(main)
            entry["zoom"] = Markup(zoom) if zoom is not None else None
        if lang["cps"] is not None and lang["cps"].points:
            entry["cps"] = Markup(plots.cps_svg(lang["cps"], salt))
        pictures[lang["tag"]] = entry
    template = environment().get_template("job.html.j2")
    return str(
        template.render(
            m=model,
            pictures=pictures,
            severities=SEVERITIES,
            css=_asset("report.css"),
            js=_asset("report.js"),
        )
    )


def render_index(title: str, rows: Sequence[Mapping[str, Any]], seconds: float | None = None) -> str:
    template = environment().get_template("index.html.j2")
    ok = sum(1 for r in rows if r["status"] == "ok")
    return str(
        template.render(
            title=title,
            rows=rows,
            ok=ok,
            failed=len(rows) - ok,
            seconds=seconds,
            severities=SEVERITIES,
            css=_asset("report.css"),
            js=_asset("report.js"),
        )
    )
