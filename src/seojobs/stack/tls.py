"""Certificates for the native cluster's SASL_SSL listeners, made locally with openssl."""

from __future__ import annotations

import secrets
from pathlib import Path

from seojobs.stack.cluster_config import TlsFiles
from seojobs.stack.procs import run

#: Validity of the local CA and broker certificate, days.
VALID_DAYS = 3650
#: Names the broker certificate is valid for (the cluster listens on the loopback address).
SUBJECT_ALT_NAMES = "IP:127.0.0.1,DNS:localhost"


def make_broker_tls(folder: Path) -> TlsFiles:
    """A local CA (ca.pem) and a broker keystore it signed (broker.p12), made once."""
    folder.mkdir(parents=True, exist_ok=True)
    keystore, password_file = folder / "broker.p12", folder / "keystore.password"
    if keystore.exists() and password_file.exists():
        return TlsFiles(keystore, password_file.read_text().strip())
    password = secrets.token_hex(16)
    ca_key, ca, key, csr, cert, ext = (folder / n for n in (
        "ca.key", "ca.pem", "broker.key", "broker.csr", "broker.pem", "san.ext"))
    ext.write_text(f"subjectAltName={SUBJECT_ALT_NAMES}\n")
    run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(ca_key),
         "-out", str(ca), "-days", str(VALID_DAYS), "-subj", "/CN=seojobs local Kafka CA"])
    run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(csr),
         "-subj", "/CN=127.0.0.1"])
    run(["openssl", "x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey", str(ca_key),
         "-CAcreateserial", "-out", str(cert), "-days", str(VALID_DAYS), "-extfile", str(ext)])
    run(["openssl", "pkcs12", "-export", "-in", str(cert), "-inkey", str(key), "-certfile", str(ca),
         "-name", "broker", "-out", str(keystore), "-passout", f"pass:{password}"])
    for secret in (ca_key, key, keystore):
        secret.chmod(0o600)
    password_file.write_text(password)
    password_file.chmod(0o600)
    return TlsFiles(keystore, password)
