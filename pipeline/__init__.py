"""Orchestration: job specs, stages, the ledger, executors, the click CLI and reports."""

__version__ = "0.1.0"
