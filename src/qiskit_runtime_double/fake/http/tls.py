"""A throwaway TLS certificate for a fake served over ``https://`` (``serve(tls=True)``).

Some clients only speak TLS to parts of the service: the 2023 client opens its result stream at
the runtime URL with ``https`` replaced by ``wss``, so over plain ``http://`` it never streams.
``Certificate`` makes a self-signed certificate for the loopback names (``localhost``,
``127.0.0.1``, ``::1``, and the host the server is bound to), valid for a day, with a fresh key.
The certificate (public) is a PEM file in a private temporary directory that ``remove()`` deletes
when the server stops (and the interpreter at exit). Clients trust it by using that file as their
CA bundle (``REQUESTS_CA_BUNDLE``, ``WEBSOCKET_CLIENT_CA_BUNDLE``, or ``verify=``);
``compat.legacy_environment`` sets those.

**The private key never stays on disk**, so no signal (SIGTERM, SIGHUP, SIGKILL) and no exit
without ``stop()`` can leave it behind: ``ssl`` loads a key only from a path, so on Linux it is
written to an anonymous in-memory file (``memfd_create``, read through ``/proc/self/fd``), and
elsewhere to a file in the private directory that is deleted as soon as ``ssl`` has read it. The
server's ``context`` holds it from then on.

The certificate is made with ``cryptography`` (imported here only, when TLS is asked for).
"""

from __future__ import annotations

import datetime as _dt
import ipaddress
import os
import shutil
import ssl
import tempfile
import weakref
from pathlib import Path

__all__ = ["Certificate"]


class Certificate:
    """A self-signed server certificate and its key, as files, plus a server-side SSL context."""

    def __init__(self, host: str) -> None:
        try:
            from cryptography import x509
            from cryptography.hazmat.primitives import hashes, serialization
            from cryptography.hazmat.primitives.asymmetric import ec
            from cryptography.x509.oid import NameOID
        except ImportError as exc:  # pragma: no cover - depends on the installation
            raise ImportError(
                "serve(tls=True) makes a certificate with the cryptography package: "
                "pip install cryptography (or the compat extra)"
            ) from exc
        names: list[x509.GeneralName] = [x509.DNSName("localhost")]
        addresses = {"127.0.0.1", "::1"}
        try:
            addresses.add(str(ipaddress.ip_address(host)))
        except ValueError:
            if host != "localhost":
                names.append(x509.DNSName(host))
        names += [x509.IPAddress(ipaddress.ip_address(a)) for a in sorted(addresses)]
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "qiskit-runtime-double")])
        now = _dt.datetime.now(_dt.timezone.utc)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - _dt.timedelta(minutes=5))
            .not_valid_after(now + _dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256())
        )
        self._directory = Path(tempfile.mkdtemp(prefix="qiskit-runtime-double-tls-"))
        self._cleanup = weakref.finalize(self, shutil.rmtree, self._directory, True)
        #: The certificate (PEM): give it to clients as their CA bundle.
        self.path = self._directory / "certificate.pem"
        self.path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        key_pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        #: The server side's TLS context, holding the key (which no file holds any more).
        self.context = _server_context(self.path, key_pem, self._directory)

    def remove(self) -> None:
        """Delete the certificate file (the key was never left on disk)."""
        self._cleanup()


def _server_context(certificate: Path, key_pem: bytes, directory: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if hasattr(os, "memfd_create") and os.path.isdir("/proc/self/fd"):
        descriptor = os.memfd_create("qiskit-runtime-double-key", os.MFD_CLOEXEC)
        try:
            os.write(descriptor, key_pem)
            context.load_cert_chain(certificate, f"/proc/self/fd/{descriptor}")
        finally:
            os.close(descriptor)
        return context
    path = directory / "key.pem"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        try:
            os.write(descriptor, key_pem)
        finally:
            os.close(descriptor)
        context.load_cert_chain(certificate, path)
    finally:
        path.unlink(missing_ok=True)  # read: delete it at once
    return context
