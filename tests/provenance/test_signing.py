import stat

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from facekit.provenance import SigningIdentityError, load_identity, load_or_create_dev_identity
from facekit.provenance.signing import ROOT_KEY_FILE, SIGNER_CHAIN_FILE, SIGNER_KEY_FILE


def test_it_creates_a_dev_identity_with_owner_only_keys(tmp_path):
    folder = tmp_path / "c2pa"
    load_or_create_dev_identity(folder)
    for name in (ROOT_KEY_FILE, SIGNER_KEY_FILE):
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_it_reuses_the_identity_it_made_before(tmp_path):
    first = load_or_create_dev_identity(tmp_path / "c2pa")
    second = load_or_create_dev_identity(tmp_path / "c2pa")
    assert first == second


def test_it_gives_the_signer_the_extensions_c2pa_requires(tmp_path):
    identity = load_or_create_dev_identity(tmp_path / "c2pa")
    chain = x509.load_pem_x509_certificates(identity.cert_chain_pem)
    (root,) = x509.load_pem_x509_certificates(identity.trust_anchors_pem)
    leaf = chain[0]
    assert len(chain) == 1  # the root travels as a trust anchor, never in the chain
    assert leaf.issuer == root.subject
    assert leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    key_usage = leaf.extensions.get_extension_for_class(x509.KeyUsage)
    assert key_usage.critical and key_usage.value.digital_signature and not key_usage.value.key_cert_sign
    assert list(leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value) == [
        ExtendedKeyUsageOID.EMAIL_PROTECTION
    ]
    leaf.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier)
    assert root.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True
    assert identity.alg == "es256"


def test_it_loads_a_deployment_chain_and_key_from_paths(tmp_path):
    folder = tmp_path / "c2pa"
    made = load_or_create_dev_identity(folder)
    loaded = load_identity(folder / SIGNER_CHAIN_FILE, folder / SIGNER_KEY_FILE, folder / "root-ca.pem")
    assert loaded == made
    assert loaded.tsa_url is None


def test_it_refuses_a_key_that_does_not_belong_to_the_certificate(tmp_path):
    one = tmp_path / "one"
    other = tmp_path / "other"
    load_or_create_dev_identity(one)
    load_or_create_dev_identity(other)
    with pytest.raises(SigningIdentityError, match="does not belong"):
        load_identity(one / SIGNER_CHAIN_FILE, other / SIGNER_KEY_FILE)


def test_it_refuses_a_ca_certificate_as_the_signer(tmp_path):
    folder = tmp_path / "c2pa"
    load_or_create_dev_identity(folder)
    with pytest.raises(SigningIdentityError, match="CA"):
        load_identity(folder / "root-ca.pem", folder / ROOT_KEY_FILE)


def test_it_says_which_file_is_missing(tmp_path):
    with pytest.raises(SigningIdentityError, match="certificate chain at"):
        load_identity(tmp_path / "nope.pem", tmp_path / "nope.key")


def test_it_will_not_take_over_a_folder_holding_other_files(tmp_path):
    folder = tmp_path / "c2pa"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    with pytest.raises(SigningIdentityError, match="not a SafeFace C2PA identity folder"):
        load_or_create_dev_identity(folder)
    assert [p.name for p in tmp_path.iterdir()] == ["c2pa"]  # no staging folder left behind
