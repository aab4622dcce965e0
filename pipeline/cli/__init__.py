"""The click command-line interface. It parses, configures and calls the library; every
decision lives in ``pipeline``, ``media`` and ``subtitles``, usable without click."""
