"""The native cluster's SASL_SSL side: certificates made locally with openssl, the SCRAM user and
the settings a client needs (written to client.env)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from seojobs.stack.cluster_config import SCRAM_MECHANISM, TlsFiles
from seojobs.stack.procs import run

#: Validity of the local CA and broker certificate, days.
VALID_DAYS = 3650
#: Names the broker certificate is valid for (the cluster listens on the loopback address).
SUBJECT_ALT_NAMES = "IP:127.0.0.1,DNS:localhost"
#: The SCRAM user `seojobs stack up --brokers 3` creates for the SASL_SSL listener.
DEFAULT_USER = "seojobs"


@dataclass(frozen=True)
class ScramUser:
    """A user the SASL_SSL listener accepts."""

    name: str
    password: str


def make_broker_tls(folder: Path) -> TlsFiles:
    """A local CA (ca.pem) and a broker keystore it signed (broker.p12), made once."""
    folder.mkdir(parents=True, exist_ok=True)
    keystore, password_file = folder / "broker.p12", folder / "keystore.password"
    if keystore.exists() and password_file.exists():
        return TlsFiles(keystore, password_file.read_text().strip())
    password = secrets.token_hex(16)
    ca_key, ca, key, csr, cert, ext = (
        folder / n for n in ("ca.key", "ca.pem", "broker.key", "broker.csr", "broker.pem", "san.ext")
    )
    ext.write_text(f"subjectAltName={SUBJECT_ALT_NAMES}\n")
    run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(ca_key),
            "-out",
            str(ca),
            "-days",
            str(VALID_DAYS),
            "-subj",
            "/CN=seojobs local Kafka CA",
        ]
    )
    run(
        [
            "openssl",
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(csr),
            "-subj",
            "/CN=127.0.0.1",
        ]
    )
    run(
        [
            "openssl",
            "x509",
            "-req",
            "-in",
            str(csr),
            "-CA",
            str(ca),
            "-CAkey",
            str(ca_key),
            "-CAcreateserial",
            "-out",
            str(cert),
            "-days",
            str(VALID_DAYS),
            "-extfile",
            str(ext),
        ]
    )
    run(
        [
            "openssl",
            "pkcs12",
            "-export",
            "-in",
            str(cert),
            "-inkey",
            str(key),
            "-certfile",
            str(ca),
            "-name",
            "broker",
            "-out",
            str(keystore),
            "-passout",
            f"pass:{password}",
        ]
    )
    for secret in (ca_key, key, keystore):
        secret.chmod(0o600)
    password_file.write_text(password)
    password_file.chmod(0o600)
    return TlsFiles(keystore, password)


def write_client_env(client_env: Path, sasl_bootstrap: str, cafile: Path, user: ScramUser) -> None:
    """Save the settings a client of the SASL_SSL listeners needs (readable by the owner only)."""
    client_env.write_text(
        "\n".join(
            [
                f"KAFKA_BOOTSTRAP_SERVERS={sasl_bootstrap}",
                "SEOJOBS_KAFKA_SECURITY_PROTOCOL=SASL_SSL",
                f"SEOJOBS_KAFKA_SASL_MECHANISM={SCRAM_MECHANISM}",
                f"SEOJOBS_KAFKA_SASL_USERNAME={user.name}",
                f"SEOJOBS_KAFKA_SASL_PASSWORD={user.password}",
                f"SEOJOBS_KAFKA_SSL_CAFILE={cafile}",
                "",
            ]
        )
    )
    client_env.chmod(0o600)


def stack_user(client_env: Path) -> ScramUser:
    """The SCRAM user of `stack up --brokers 3`: read back from client.env, or made up once."""
    if client_env.exists():
        lines = client_env.read_text().splitlines()
        found = dict(line.split("=", 1) for line in lines if "=" in line)
        return ScramUser(found["SEOJOBS_KAFKA_SASL_USERNAME"], found["SEOJOBS_KAFKA_SASL_PASSWORD"])
    return ScramUser(DEFAULT_USER, secrets.token_urlsafe(18))
