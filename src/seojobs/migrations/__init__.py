"""Alembic migrations of the seojobs schema."""
