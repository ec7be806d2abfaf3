"""Analysis of a crawled site: the issue digest, the recommendation model and the offline advice."""
