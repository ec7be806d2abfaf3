"""Job handlers that need several adapters (crawl, analysis): storage around the engines."""
