"""seojobs."""
