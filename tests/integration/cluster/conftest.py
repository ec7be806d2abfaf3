"""Integration tests on the native 3-node cluster, over its SASL_SSL listeners."""

from __future__ import annotations

import pytest

from seojobs.settings import Settings
from tests.support.cluster import ClusterHandle, cluster_settings
from tests.support.cluster_fixtures import topic_prefix

__all__ = ["topic_prefix"]


@pytest.fixture
def settings(kafka_cluster: ClusterHandle, database_url: str, topic_prefix: str) -> Settings:
    """The shared test settings, with every Kafka client on SASL_SSL as the test user."""
    return cluster_settings(kafka_cluster, database_url, topic_prefix, kafka_cluster.sasl())
