"""Shipped QC profiles as package data: ``default.toml`` then one file per language."""
