"""Fixtures for fixtures_vignettes (owned by that feature)."""
