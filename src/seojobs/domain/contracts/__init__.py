"""The typed contracts of the topics and channels: event envelope and payloads, dead-letter record,
NOTIFY payloads, job results. ``schemas/`` is generated from these models (``seojobs schemas``)."""
