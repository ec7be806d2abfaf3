"""The native development stack: PostgreSQL and Apache Kafka started by the project."""
