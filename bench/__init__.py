"""Benchmarks of subpipe against other tools. Run them from the repository root (see bench/README.md)."""
