"""Benchmarks of the pipeline against peer job queues (not part of the test suite)."""
