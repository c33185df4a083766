"""The ``[auth.oidc]`` settings: read from the settings file, checked with errors that name the
field, handed to Streamlit as its ``[auth]`` secrets, and never shown in a repr or a log."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.errors import ConfigError
from config.settings import load_settings
from dashboard.server import app as wiring
from dashboard.server.services import make_services

GOOD = """
[auth.oidc]
server_metadata_url = "https://idp.example.gov.cn/realms/gov/.well-known/openid-configuration"
client_id = "zongzhi"
client_secret = "s3cret-from-the-provider"
redirect_uri = "https://zongzhi.example.gov.cn/oauth2callback"
cookie_secret = "0123456789abcdef0123456789abcdef-long"
username_claim = "email"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "settings.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_oidc_settings_become_streamlit_auth_secrets(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, GOOD), data_dir=tmp_path)
    oidc = settings.auth.oidc
    assert oidc is not None and oidc.username_claim == "email" and oidc.handoff_seconds == 120
    assert "s3cret" not in repr(settings) and "0123456789abcdef" not in repr(settings)
    svc = make_services(settings, [])
    try:
        secrets = wiring.streamlit_secrets(svc)
        assert secrets == {"auth": {
            "redirect_uri": "https://zongzhi.example.gov.cn/oauth2callback",
            "cookie_secret": "0123456789abcdef0123456789abcdef-long",
            "client_id": "zongzhi",
            "client_secret": "s3cret-from-the-provider",
            "server_metadata_url": oidc.server_metadata_url,
            "client_kwargs": {"scope": "openid profile email"},
        }}
        svc.open_access = True  # the demo's open wall has no accounts: no sign-on
        assert wiring.streamlit_secrets(svc) is None
    finally:
        svc.engine.dispose()


def test_without_oidc_streamlit_gets_no_auth_secrets(tmp_path: Path) -> None:
    svc = make_services(load_settings(data_dir=tmp_path), [])
    try:
        assert wiring.streamlit_secrets(svc) is None
    finally:
        svc.engine.dispose()


@pytest.mark.parametrize(("line", "value", "field", "reason"), [
    ("redirect_uri", '"https://zongzhi.example.gov.cn/callback"', "auth.oidc.redirect_uri", "/oauth2callback"),
    ("server_metadata_url", '"ftp://idp/x"', "auth.oidc.server_metadata_url", "http"),
    ("server_metadata_url", '"https://u:pw@idp/x"', "auth.oidc.server_metadata_url", "password"),
    ("cookie_secret", '"short"', "auth.oidc.cookie_secret", "32"),
])
def test_bad_oidc_settings_name_the_field(tmp_path: Path, line: str, value: str, field: str,
                                         reason: str) -> None:
    text = "\n".join(f"{line} = {value}" if row.startswith(f"{line} =") else row
                     for row in GOOD.splitlines())
    with pytest.raises(ConfigError) as err:
        load_settings(write(tmp_path, text), data_dir=tmp_path)
    assert err.value.field == field and reason in str(err.value)
    assert "s3cret" not in str(err.value)


def test_a_missing_client_secret_is_named(tmp_path: Path) -> None:
    text = "\n".join(r for r in GOOD.splitlines() if not r.startswith("client_secret"))
    with pytest.raises(ConfigError) as err:
        load_settings(write(tmp_path, text), data_dir=tmp_path)
    assert err.value.field == "auth.oidc.client_secret"
