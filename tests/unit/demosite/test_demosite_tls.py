"""The demo site's self-signed certificate: covers the host, and only who trusts it accepts it."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from seojobs.demosite.tls import CertFiles, DemoTlsError, make_self_signed, subject_alt_names


@pytest.mark.parametrize(
    ("hosts", "expected"),
    [
        ((), "IP:127.0.0.1,DNS:localhost"),
        (("127.0.0.1",), "IP:127.0.0.1,DNS:localhost"),
        (("0.0.0.0",), "IP:0.0.0.0,IP:127.0.0.1,DNS:localhost"),
        (("[::1]",), "IP:::1,IP:127.0.0.1,DNS:localhost"),
        (("demo.test",), "DNS:demo.test,IP:127.0.0.1,DNS:localhost"),
    ],
)
def test_subject_alt_names(hosts: tuple[str, ...], expected: str) -> None:
    assert subject_alt_names(hosts) == expected


def _handshake(cert: CertFiles, client: ssl.SSLContext, server_hostname: str) -> None:
    """A TLS handshake in memory (no sockets) between a server using cert and client."""
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert.cert, cert.key)
    c_in, c_out, s_in, s_out = (ssl.MemoryBIO() for _ in range(4))
    c = client.wrap_bio(c_in, c_out, server_hostname=server_hostname)
    s = server.wrap_bio(s_in, s_out, server_side=True)
    pending = {c, s}
    for _ in range(10):
        for obj, out, peer in ((c, c_out, s_in), (s, s_out, c_in)):
            try:
                obj.do_handshake()
                pending.discard(obj)
            except ssl.SSLWantReadError:
                pass
            peer.write(out.read())
        if not pending:
            return
    raise AssertionError("the handshake did not finish")


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> CertFiles:
    return make_self_signed(tmp_path_factory.mktemp("tls"), ["127.0.0.1"])


def test_the_certificate_is_accepted_by_a_client_that_trusts_it(cert: CertFiles) -> None:
    trusting = ssl.create_default_context(cafile=str(cert.cert))
    _handshake(cert, trusting, "127.0.0.1")
    _handshake(cert, trusting, "localhost")


def test_a_default_client_refuses_the_self_signed_certificate(cert: CertFiles) -> None:
    with pytest.raises(ssl.SSLCertVerificationError, match=r"self.signed certificate"):
        _handshake(cert, ssl.create_default_context(), "127.0.0.1")


def test_the_certificate_names_only_its_hosts(cert: CertFiles) -> None:
    trusting = ssl.create_default_context(cafile=str(cert.cert))
    with pytest.raises(ssl.SSLCertVerificationError, match="mismatch"):
        _handshake(cert, trusting, "demo.example")


def test_without_openssl_the_error_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("seojobs.demosite.tls.shutil.which", lambda _: None)
    with pytest.raises(DemoTlsError, match="openssl is not installed"):
        make_self_signed(tmp_path)
