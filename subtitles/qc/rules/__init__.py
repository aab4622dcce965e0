"""Every rule, one module per family. Importing this package registers them all."""

from subtitles.qc.rules import (  # noqa: F401
    crosslang,
    encoding,
    glyphs,
    language,
    readability,
    shots,
    speech,
    structure,
    text,
    timing,
    typography,
)
