"""The local CA and the server certificate: made once, reused, renewed when they must be, and
left alone by `bnpl reset`."""

from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509

from bnpl.commands.data_folder import forget
from bnpl.devstack import free_port
from bnpl.settings import DevSettings
from bnpl.tls import (
    RENEW_BEFORE,
    SERVER_CERT_LIFETIME,
    LocalTls,
    local_tls,
    server_names,
    trust_instructions,
)


def certificate(path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def sans(cert: x509.Certificate) -> tuple[set[str], set[str]]:
    """(IP addresses, DNS names) of a certificate's subject alternative names."""
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return {str(ip) for ip in san.get_values_for_type(x509.IPAddress)}, set(
        san.get_values_for_type(x509.DNSName)
    )


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def folder(tmp_path):
    return tmp_path / "data" / "tls"


def test_the_ca_and_the_server_certificate_are_made_once_and_reused(folder):
    first = local_tls(folder)
    made = {path: path.read_bytes() for path in (first.ca_path, first.cert_path, first.key_path)}

    second = local_tls(folder)

    assert first.ca_created
    assert not second.ca_created
    assert {path: path.read_bytes() for path in made} == made


def test_the_server_certificate_is_for_127_0_0_1_and_localhost_and_issued_by_the_ca(folder):
    tls = local_tls(folder)
    server, ca = certificate(tls.cert_path), certificate(tls.ca_path)

    assert sans(server) == ({"127.0.0.1"}, {"localhost"})
    server.verify_directly_issued_by(ca)  # raises unless the CA signed it
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    constraints = server.extensions.get_extension_for_class(x509.BasicConstraints).value
    assert not constraints.ca
    usages = server.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert x509.oid.ExtendedKeyUsageOID.SERVER_AUTH in usages


def test_the_server_certificate_lives_a_year_so_browsers_accept_it(folder):
    tls = local_tls(folder)
    server = certificate(tls.cert_path)

    lifetime = server.not_valid_after_utc - server.not_valid_before_utc
    # Apple refuses server certificates valid for over 825 days even from a user's own CA.
    assert SERVER_CERT_LIFETIME <= lifetime <= timedelta(days=398)
    assert server.not_valid_before_utc <= datetime.now(UTC) < server.not_valid_after_utc


def test_private_keys_are_0600_and_the_folder_0700(folder):
    tls = local_tls(folder)

    assert mode(tls.ca_key_path) == 0o600
    assert mode(tls.key_path) == 0o600
    assert mode(folder) == 0o700
    assert mode(tls.ca_path) == 0o644  # the file to hand to trust stores


def test_a_key_whose_mode_was_widened_is_made_private_again(folder):
    tls = local_tls(folder)
    tls.key_path.chmod(0o644)

    local_tls(folder)

    assert mode(tls.key_path) == 0o600


def test_a_server_certificate_near_expiry_is_reissued_by_the_same_ca(folder):
    tls = local_tls(folder)
    ca_before, server_before = tls.ca_path.read_bytes(), tls.cert_path.read_bytes()
    later = datetime.now(UTC) + SERVER_CERT_LIFETIME - RENEW_BEFORE + timedelta(days=1)

    renewed = local_tls(folder, now=later)

    assert not renewed.ca_created
    assert tls.ca_path.read_bytes() == ca_before
    assert tls.cert_path.read_bytes() != server_before
    server = certificate(tls.cert_path)
    server.verify_directly_issued_by(certificate(tls.ca_path))
    assert server.not_valid_after_utc - later > RENEW_BEFORE


def test_a_missing_server_key_gets_a_new_certificate_from_the_same_ca(folder):
    tls = local_tls(folder)
    ca_before, server_before = tls.ca_path.read_bytes(), tls.cert_path.read_bytes()
    tls.key_path.unlink()

    local_tls(folder)

    assert tls.ca_path.read_bytes() == ca_before
    assert tls.cert_path.read_bytes() != server_before
    assert mode(tls.key_path) == 0o600


def test_another_host_gets_a_certificate_that_names_it_too(folder):
    local_tls(folder)

    tls = local_tls(folder, names=server_names("192.168.1.20"))

    assert sans(certificate(tls.cert_path)) == ({"127.0.0.1", "192.168.1.20"}, {"localhost"})


def test_a_wildcard_bind_address_is_no_name_on_the_certificate():
    assert server_names("0.0.0.0") == ("127.0.0.1", "localhost")
    assert server_names("localhost") == ("127.0.0.1", "localhost")
    assert server_names("10.0.0.5") == ("127.0.0.1", "localhost", "10.0.0.5")


def test_a_ca_whose_key_is_gone_is_replaced_and_says_so(folder):
    tls = local_tls(folder)
    old_ca = tls.ca_path.read_bytes()
    tls.ca_key_path.unlink()

    again = local_tls(folder)

    assert again.ca_created
    assert tls.ca_path.read_bytes() != old_ca
    certificate(tls.cert_path).verify_directly_issued_by(certificate(tls.ca_path))


def test_a_server_certificate_from_another_ca_is_replaced(tmp_path, folder):
    local_tls(folder)
    stranger = local_tls(tmp_path / "elsewhere")
    folder.joinpath("server.pem").write_bytes(stranger.cert_path.read_bytes())
    folder.joinpath("server-key.pem").write_bytes(stranger.key_path.read_bytes())

    tls = local_tls(folder)

    certificate(tls.cert_path).verify_directly_issued_by(certificate(tls.ca_path))


def test_reset_deletes_the_sandbox_data_and_keeps_the_local_ca(tmp_path):
    settings = DevSettings.from_environ(
        {"BNPL_DATA_DIR": str(tmp_path / "data"), "BNPL_DYNAMODB_PORT": str(free_port())}
    )
    tls = local_tls(settings.tls_dir)
    kept = {path: path.read_bytes() for path in (tls.ca_path, tls.ca_key_path, tls.cert_path)}
    (settings.data_dir / "dynamodb").mkdir()
    (settings.data_dir / "dynamodb" / "shared-local-instance.db").write_bytes(b"tables")

    deleted = forget(settings)

    assert deleted == [settings.data_dir / "dynamodb"]
    assert {path: path.read_bytes() for path in kept} == kept
    assert not local_tls(settings.tls_dir).ca_created


def test_the_trust_instructions_name_the_ca_file_for_each_platform(tmp_path):
    ca_path = LocalTls(tmp_path / "tls").ca_path

    text = trust_instructions(ca_path)

    assert (
        f"sudo cp {ca_path} /usr/local/share/ca-certificates/bnpl-local-ca.crt"
        " && sudo update-ca-certificates"
    ) in text
    assert (
        f"security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain {ca_path}"
        in text
    )
    assert f'-A -t "C,," -n bnpl-local -i {ca_path}' in text
    assert "(new: made by this run)" not in text
    assert "(new: made by this run)" in trust_instructions(ca_path, created=True)
