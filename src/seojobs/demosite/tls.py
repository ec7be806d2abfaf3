"""A throwaway self-signed certificate for the demo site's https side (made with openssl)."""

from __future__ import annotations

import ipaddress
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

#: Days the certificate is valid (it is made afresh at every start).
CERT_DAYS = 7
#: Names the certificate always covers besides the served host.
DEFAULT_NAMES: tuple[str, ...] = ("127.0.0.1", "localhost")
#: Seconds openssl may take.
OPENSSL_TIMEOUT_S = 30.0


class DemoTlsError(RuntimeError):
    """The certificate could not be made (openssl missing or failing)."""


@dataclass(frozen=True)
class CertFiles:
    """A PEM certificate and its unencrypted private key."""

    cert: Path
    key: Path


def subject_alt_names(hosts: Iterable[str]) -> str:
    """The subjectAltName value covering hosts (IP: for addresses, DNS: for names)."""
    entries: list[str] = []
    for host in dict.fromkeys((*hosts, *DEFAULT_NAMES)):
        name = host.strip("[]")
        try:
            entries.append(f"IP:{ipaddress.ip_address(name)}")
        except ValueError:
            entries.append(f"DNS:{name}")
    return ",".join(entries)


def make_self_signed(directory: Path, hosts: Iterable[str] = ()) -> CertFiles:
    """Write a self-signed P-256 certificate for hosts (and localhost) into directory."""
    openssl = shutil.which("openssl")
    if openssl is None:
        raise DemoTlsError("openssl is not installed; it is needed for the demo site's https side")
    files = CertFiles(directory / "demo-cert.pem", directory / "demo-key.pem")
    command = [
        openssl,
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        str(CERT_DAYS),
        "-subj",
        "/CN=seojobs demo site",
        "-addext",
        f"subjectAltName={subject_alt_names(hosts)}",
        "-keyout",
        str(files.key),
        "-out",
        str(files.cert),
    ]
    try:
        subprocess.run(command, check=True, capture_output=True, timeout=OPENSSL_TIMEOUT_S)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        stderr = getattr(exc, "stderr", b"") or b""
        raise DemoTlsError(f"openssl failed: {stderr.decode(errors='replace').strip()}") from exc
    return files
