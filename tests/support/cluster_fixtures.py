"""Fixtures of the tests that run on the native cluster (imported by their conftest files)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import pytest

from seojobs.adapters.kafka.admin import delete_topics
from tests.support.cluster import ClusterHandle


@pytest.fixture
def topic_prefix(kafka_cluster: ClusterHandle) -> Iterator[str]:
    """A unique prefix on the cluster; its topics are deleted afterwards."""
    prefix = f"c{uuid.uuid4().hex[:10]}."
    yield prefix
    asyncio.run(delete_topics(kafka_cluster.bootstrap, prefix))
