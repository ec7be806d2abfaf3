"""The crawl engine behind the CRAWL_SITE job: frontier, politeness, SSRF guard, fetchers."""
