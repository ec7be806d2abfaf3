"""Client settings from one KafkaConnection: aiokafka and Faust keyword arguments, auth diagnosis.

Every Kafka client the project makes (producers, Faust, the projector's and ingester's consumers,
the admin and the lag readers) takes its bootstrap servers and security from here, so a cluster
that requires SASL_SSL gets the same credentials and CA file everywhere.
"""

from __future__ import annotations

import ssl
from functools import lru_cache
from pathlib import Path
from typing import Any

from aiokafka.conn import create_conn
from aiokafka.errors import KafkaError, SaslAuthenticationFailed
from aiokafka.helpers import create_ssl_context

from seojobs.domain.cluster import KafkaConnection
from seojobs.domain.errors import SeojobsError
from seojobs.settings import Settings

#: A bare bootstrap string (a plaintext dev broker) or a full connection.
KafkaTarget = str | KafkaConnection
#: How long the credential check may wait for the first broker, ms.
DIAGNOSE_TIMEOUT_MS = 5000


class KafkaAuthFailed(SeojobsError):
    """The cluster refused the client's credentials (or its certificate could not be verified)."""


def connection_from(settings: Settings) -> KafkaConnection:
    """The connection every client of a process uses, from the one settings object."""
    return KafkaConnection(
        bootstrap=settings.kafka_bootstrap_servers,
        security_protocol=settings.kafka_security_protocol,
        sasl_mechanism=settings.kafka_sasl_mechanism,
        sasl_username=settings.kafka_sasl_username,
        sasl_password=settings.kafka_sasl_password.get_secret_value(),
        ssl_cafile=settings.kafka_ssl_cafile,
        replication_factor=settings.kafka_replication_factor,
        min_insync_replicas=settings.kafka_min_insync_replicas,
    )


def as_connection(target: KafkaTarget) -> KafkaConnection:
    """A connection for a target given as a bare bootstrap string (plaintext) or a connection."""
    return KafkaConnection(bootstrap=target) if isinstance(target, str) else target


def bootstrap_of(target: KafkaTarget) -> str:
    """The comma-separated bootstrap servers of a target."""
    return as_connection(target).bootstrap


@lru_cache(maxsize=8)
def _ssl_context(cafile: Path | None) -> ssl.SSLContext:
    context: ssl.SSLContext = create_ssl_context(cafile=str(cafile) if cafile else None)
    return context


def security_kwargs(target: KafkaTarget) -> dict[str, Any]:
    """aiokafka's security arguments (protocol, SASL mechanism and credentials, TLS context)."""
    conn = as_connection(target)
    out: dict[str, Any] = {"security_protocol": conn.security_protocol}
    if conn.uses_sasl:
        out.update(
            sasl_mechanism=conn.sasl_mechanism,
            sasl_plain_username=conn.sasl_username,
            sasl_plain_password=conn.sasl_password,
        )
    if conn.uses_tls:
        out["ssl_context"] = _ssl_context(conn.ssl_cafile)
    return out


def client_kwargs(target: KafkaTarget) -> dict[str, Any]:
    """Bootstrap servers and security arguments for any aiokafka client."""
    return {"bootstrap_servers": bootstrap_of(target), **security_kwargs(target)}


def faust_kwargs(target: KafkaTarget) -> dict[str, Any]:
    """Faust's broker URL, credentials and replication factor for the same connection.

    Faust declares no topic here (topic_allow_declare=False): every topic, its leader topic
    included, is created by ensure_topics with the resolved replication. The factor given to
    Faust is the configured one (1 when it is left to the broker count).
    """
    import faust

    conn = as_connection(target)
    out: dict[str, Any] = {
        "broker": ";".join(f"kafka://{h.strip()}" for h in conn.bootstrap.split(",") if h.strip()),
        "topic_replication_factor": conn.replication_factor or 1,
    }
    context = _ssl_context(conn.ssl_cafile) if conn.uses_tls else None
    if conn.uses_sasl:
        out["broker_credentials"] = faust.SASLCredentials(
            username=conn.sasl_username,
            password=conn.sasl_password,
            mechanism=conn.sasl_mechanism,
            ssl_context=context,
        )
    elif context is not None:
        out["broker_credentials"] = faust.SSLCredentials(context)
    return out


async def diagnose(target: KafkaTarget) -> None:
    """Raise KafkaAuthFailed when the first reachable broker refuses these credentials or TLS.

    aiokafka reports a refused login only as "unable to bootstrap"; a connection of our own to
    each bootstrap server says which it was. Unreachable brokers are not this check's concern.
    """
    conn = as_connection(target)
    for server in (s.strip() for s in conn.bootstrap.split(",") if s.strip()):
        host, _, port = server.rpartition(":")
        try:
            client = await create_conn(
                host, int(port), request_timeout_ms=DIAGNOSE_TIMEOUT_MS, **security_kwargs(conn)
            )
        except SaslAuthenticationFailed as exc:
            raise KafkaAuthFailed(
                f"Kafka at {server} refused the credentials of user {conn.sasl_username!r} "
                f"({conn.sasl_mechanism}): {exc}. Check SEOJOBS_KAFKA_SASL_USERNAME and "
                "SEOJOBS_KAFKA_SASL_PASSWORD."
            ) from exc
        except ssl.SSLError as exc:
            raise KafkaAuthFailed(
                f"TLS with Kafka at {server} failed: {exc}. Check SEOJOBS_KAFKA_SSL_CAFILE "
                f"({conn.ssl_cafile}) and SEOJOBS_KAFKA_SECURITY_PROTOCOL."
            ) from exc
        except (TimeoutError, OSError, KafkaError):
            continue
        client.close()
        return
