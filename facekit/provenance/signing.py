"""Who signs SafeFace's C2PA manifests: a development identity made on first use, or a real one.

A development identity is a P-256 root CA plus an end-entity signing certificate issued by
it, kept in a folder the caller chooses (e.g. `<data dir>/c2pa/`). Files signed with it
validate as "trusted" only where its root is passed as a trust anchor (SafeFace's own
/verify/ page does this); anywhere else they read as valid but from an untrusted signer.
A deployment passes a real chain and key instead (`load_identity`).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from .errors import SigningIdentityError

logger = logging.getLogger(__name__)

ROOT_CERT_FILE = "root-ca.pem"
ROOT_KEY_FILE = "root-ca.key"
SIGNER_CHAIN_FILE = "signer-chain.pem"
SIGNER_KEY_FILE = "signer.key"

# Without a time-stamp authority, C2PA validators check the signer certificate against the
# *current* time, so every file signed by a dev identity turns invalid when its end-entity
# certificate expires. Long lifetimes keep a development database's files valid.
_ROOT_LIFETIME = dt.timedelta(days=20 * 365)
_SIGNER_LIFETIME = dt.timedelta(days=10 * 365)
# Clock skew between the machine that signs and the one that validates.
_BACKDATE = dt.timedelta(hours=1)


@dataclass(frozen=True)
class SigningIdentity:
    """A C2PA signer: PEM chain (end-entity first, root excluded), PEM key, trust anchors.

    `alg` is the c2pa algorithm name matching the key (es256, es384, es512, ps256, ed25519).
    `tsa_url` is an RFC 3161 time-stamp authority; None (the default) signs without a time
    stamp, so nothing is fetched at signing time.
    """

    cert_chain_pem: bytes
    private_key_pem: bytes
    trust_anchors_pem: bytes
    alg: str
    tsa_url: str | None = None

    @property
    def signer_common_name(self) -> str | None:
        cert = x509.load_pem_x509_certificates(self.cert_chain_pem)[0]
        names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        return str(names[0].value) if names else None


def load_identity(
    cert_chain_path: str | os.PathLike,
    private_key_path: str | os.PathLike,
    trust_anchors_path: str | os.PathLike | None = None,
    *,
    tsa_url: str | None = None,
) -> SigningIdentity:
    """Load a deployment's signer: a PEM chain (end-entity first), its PEM key, optional anchors.

    Raises SigningIdentityError with the reason when a file is missing, the key does not
    match the certificate, or the certificate is unfit for C2PA signing.
    """
    chain_pem = _read(cert_chain_path, "certificate chain")
    key_pem = _read(private_key_path, "private key")
    anchors_pem = _read(trust_anchors_path, "trust anchors") if trust_anchors_path else b""
    return _checked_identity(chain_pem, key_pem, anchors_pem, tsa_url=tsa_url)


def load_or_create_dev_identity(folder: str | os.PathLike) -> SigningIdentity:
    """Return the development identity kept in `folder`, creating it on first use.

    Creation is atomic (built in a sibling temporary folder, then renamed into place), so
    two worker processes starting together end up sharing one identity.
    """
    folder = Path(folder)
    if not (folder / SIGNER_CHAIN_FILE).exists():
        _create_dev_identity(folder)
    return _checked_identity(
        _read(folder / SIGNER_CHAIN_FILE, "certificate chain"),
        _read(folder / SIGNER_KEY_FILE, "private key"),
        _read(folder / ROOT_CERT_FILE, "root certificate"),
    )


def _read(path: str | os.PathLike, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise SigningIdentityError(f"cannot read the C2PA {what} at {path}: {exc.strerror}") from exc


def _checked_identity(chain_pem: bytes, key_pem: bytes, anchors_pem: bytes, *, tsa_url=None) -> SigningIdentity:
    try:
        chain = x509.load_pem_x509_certificates(chain_pem)
    except ValueError as exc:
        raise SigningIdentityError(f"the certificate chain is not PEM certificates: {exc}") from exc
    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError) as exc:
        raise SigningIdentityError(f"the private key is not an unencrypted PEM key: {exc}") from exc
    if anchors_pem:
        try:
            x509.load_pem_x509_certificates(anchors_pem)
        except ValueError as exc:
            raise SigningIdentityError(f"the trust anchors are not PEM certificates: {exc}") from exc

    leaf = chain[0]
    if leaf.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ) != key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo):
        raise SigningIdentityError("the private key does not belong to the first certificate of the chain")
    _check_signer_profile(leaf)
    return SigningIdentity(chain_pem, key_pem, anchors_pem, alg=_c2pa_alg(key), tsa_url=tsa_url)


def _check_signer_profile(cert: x509.Certificate) -> None:
    """Catch the certificate faults that c2pa only reports as a failed signature later."""
    now = dt.datetime.now(dt.UTC)
    if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
        raise SigningIdentityError(
            f"the signing certificate is not valid now (valid {cert.not_valid_before_utc:%Y-%m-%d}"
            f" to {cert.not_valid_after_utc:%Y-%m-%d})"
        )
    try:
        if cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca:
            raise SigningIdentityError("the signing certificate is a CA; C2PA needs an end-entity certificate")
    except x509.ExtensionNotFound:
        pass
    try:
        key_usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        key_usage = None
    if key_usage is not None and not key_usage.digital_signature:
        raise SigningIdentityError("the signing certificate's key usage lacks digitalSignature")
    try:
        cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    except x509.ExtensionNotFound as exc:
        raise SigningIdentityError("the signing certificate has no extended key usage; C2PA requires one") from exc


def _c2pa_alg(key) -> str:
    if isinstance(key, ec.EllipticCurvePrivateKey):
        algs = {"secp256r1": "es256", "secp384r1": "es384", "secp521r1": "es512"}
        if key.curve.name not in algs:
            raise SigningIdentityError(f"C2PA does not allow the EC curve {key.curve.name}")
        return algs[key.curve.name]
    if isinstance(key, rsa.RSAPrivateKey):
        if key.key_size < 2048:
            raise SigningIdentityError("C2PA needs RSA keys of at least 2048 bits")
        return "ps256"
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return "ed25519"
    raise SigningIdentityError(f"unsupported key type {type(key).__name__}")


def _create_dev_identity(folder: Path) -> None:
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".c2pa-", dir=folder.parent))  # mode 0700
    root_key, root_cert = _make_root()
    signer_key, signer_cert = _make_signer(root_key, root_cert)
    _write(staging / ROOT_KEY_FILE, _key_pem(root_key), 0o600)
    _write(staging / ROOT_CERT_FILE, root_cert.public_bytes(serialization.Encoding.PEM), 0o644)
    _write(staging / SIGNER_KEY_FILE, _key_pem(signer_key), 0o600)
    # The chain C2PA embeds stops before the root: validators take roots from their anchors.
    _write(staging / SIGNER_CHAIN_FILE, signer_cert.public_bytes(serialization.Encoding.PEM), 0o644)
    try:
        os.rename(staging, folder)  # replaces an empty folder; fails on a non-empty one
    except OSError:
        for child in staging.iterdir():
            child.unlink()
        staging.rmdir()
        if not (folder / SIGNER_CHAIN_FILE).exists():
            raise SigningIdentityError(
                f"{folder} exists and is not a SafeFace C2PA identity folder; empty it or choose another"
            ) from None
        return  # another process won the race: use its identity
    logger.warning("Created a development C2PA signing identity in %s (not for production)", folder)


def _make_root() -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name("SafeFace development root CA")
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(now + _ROOT_LIFETIME)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _make_signer(root_key, root_cert: x509.Certificate) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("SafeFace development signer"))
        .issuer_name(root_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(now + _SIGNER_LIFETIME)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=False), critical=True)
        # c2pa-rs 0.91 (c2pa-python 0.38.1) accepts emailProtection with its default trust
        # configuration but rejected documentSigning and the C2PA claim-signing EKU when we
        # tried them, so emailProtection is the one that validates everywhere.
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        # c2pa-rs refuses signer certificates without an authority key identifier.
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False)
        .sign(root_key, hashes.SHA256())
    )
    return key, cert


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "SafeFace (development)"),
        ]
    )


def _key_usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _key_pem(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _write(path: Path, data: bytes, mode: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(path, mode)  # os.open's mode passes through the umask; make it exact
