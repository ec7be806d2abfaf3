"""Kafka adapters over aiokafka: producer, topic administration, consumer helpers."""
