"""Fixtures for fixtures_studies (owned by that feature)."""
