"""A demo site server with the behaviours static files cannot give (statuses, redirects, delays)."""
