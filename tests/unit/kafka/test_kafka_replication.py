"""Replication decisions, topic differences and the native cluster's layout (no I/O)."""

from __future__ import annotations

from pathlib import Path

import pytest

from seojobs.adapters.kafka.connect import client_kwargs, faust_kwargs, security_kwargs
from seojobs.domain.cluster import Difference, KafkaConnection, Replication, TopicState, differences, resolve
from seojobs.stack.cluster_config import TlsFiles, bootstrap, layout, node_properties, voters


@pytest.mark.parametrize(
    ("factor", "min_isr", "brokers", "expected"),
    [
        (0, 0, 1, Replication(1, 1)),
        (0, 0, 2, Replication(1, 1)),
        (0, 0, 3, Replication(3, 2)),
        (0, 0, 5, Replication(3, 2)),
        (2, 0, 3, Replication(2, 1)),
        (3, 3, 3, Replication(3, 3)),
        (1, 2, 1, Replication(1, 1)),  # a min ISR above the factor would refuse every write
        (0, 1, 3, Replication(3, 1)),
    ],
)
def test_replication_follows_the_settings_or_the_broker_count(
    factor: int, min_isr: int, brokers: int, expected: Replication
) -> None:
    assert resolve(factor, min_isr, brokers) == expected


def test_differences_name_each_field_and_missing_topics() -> None:
    wanted = {"a": 6, "b": 6, "c": 1}
    found = {"a": TopicState("a", 6, 3, 2), "b": TopicState("b", 3, 1, 1)}
    diffs = differences(wanted, Replication(3, 2), found)
    assert diffs == [
        Difference("b", "partitions", 6, 3),
        Difference("b", "replication factor", 3, 1),
        Difference("b", "min.insync.replicas", 2, 1),
        Difference("c", "partitions", 1, 0),
    ]
    assert diffs[1].describe() == "b: replication factor is 1, the settings want 3"


def test_a_plaintext_target_needs_no_credentials() -> None:
    assert client_kwargs("h:1,h:2") == {"bootstrap_servers": "h:1,h:2", "security_protocol": "PLAINTEXT"}
    assert faust_kwargs("h:1,h:2")["broker"] == "kafka://h:1;kafka://h:2"


def test_sasl_ssl_gives_every_client_the_same_credentials_and_tls_context() -> None:
    conn = KafkaConnection("h:1", "SASL_SSL", "SCRAM-SHA-512", "u", "secret", None, 3, 2)
    kwargs = security_kwargs(conn)
    assert kwargs["sasl_mechanism"] == "SCRAM-SHA-512" and kwargs["sasl_plain_password"] == "secret"
    assert kwargs["ssl_context"] is not None
    faust = faust_kwargs(conn)
    assert faust["topic_replication_factor"] == 3
    assert faust["broker_credentials"].username == "u"
    assert "secret" not in repr(conn)


def test_the_cluster_layout_gives_each_node_its_own_ports_and_every_node_a_vote() -> None:
    nodes = layout(29092)
    assert [(n.node_id, n.broker_port, n.controller_port, n.sasl_port) for n in nodes] == [
        (1, 29092, 29192, 29392),
        (2, 29093, 29193, 29393),
        (3, 29094, 29194, 29394),
    ]
    assert voters(nodes) == "1@127.0.0.1:29192,2@127.0.0.1:29193,3@127.0.0.1:29194"
    assert bootstrap(nodes, sasl=True) == "127.0.0.1:29392,127.0.0.1:29393,127.0.0.1:29394"


def native_properties(node_index: int) -> dict[str, str]:
    """One native node's server.properties as a dict."""
    nodes = layout(29092)
    text = node_properties(nodes[node_index], nodes, Path("/data"), TlsFiles(Path("/ks.p12"), "pw"))
    return dict(line.split("=", 1) for line in text.splitlines() if line)


def test_every_node_replicates_internal_topics_three_times_with_two_in_sync() -> None:
    props = native_properties(1)
    assert props["node.id"] == "2" and props["process.roles"] == "broker,controller"
    for key in (
        "default.replication.factor",
        "offsets.topic.replication.factor",
        "transaction.state.log.replication.factor",
    ):
        assert props[key] == "3", key
    assert props["min.insync.replicas"] == props["transaction.state.log.min.isr"] == "2"
    assert "SASL_SSL://127.0.0.1:29393" in props["advertised.listeners"]
