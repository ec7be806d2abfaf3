"""The pipeline components: outbox relay, projector, worker runtime."""
