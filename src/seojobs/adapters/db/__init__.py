"""PostgreSQL adapters: models, named queries, sessions."""
