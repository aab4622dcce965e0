"""Burn-in style presets, packaged as TOML data (read by ``media.render_style``)."""
