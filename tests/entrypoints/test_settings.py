"""Settings as a deployment gives them: what they refuse, what they take as unset, what they warn of."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from entrypoints.settings import Settings, SettingsError, load_settings


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_an_empty_secret_is_no_secret_and_in_development_one_is_generated() -> None:
    assert settings(JWT_SECRET="").JWT_SECRET is None


def test_production_warns_of_http_links_a_local_domain_and_sqlite() -> None:
    risky = settings(ENVIRONMENT="production", JWT_SECRET="s" * 40, MAIL_BACKEND="smtp")
    [scheme, domain, database] = risky.production_warnings()
    assert "PUBLIC_SCHEME is http" in scheme and "DOMAIN is unset" in domain and "SQLite" in database
    sound = settings(
        ENVIRONMENT="production",
        JWT_SECRET="s" * 40,
        MAIL_BACKEND="smtp",
        PUBLIC_SCHEME="https",
        DOMAIN="accounts.example.com",
        DATABASE_URL="postgresql://db/accounts",
    )
    assert sound.production_warnings() == []
    assert settings().production_warnings() == []  # development runs on SQLite and http by design


def test_the_api_reference_is_on_by_default_but_off_in_production_unless_asked_for() -> None:
    production = dict(ENVIRONMENT="production", JWT_SECRET="s" * 40, MAIL_BACKEND="smtp")
    assert settings().docs_enabled and settings(ENVIRONMENT="test", JWT_SECRET="s" * 40).docs_enabled
    assert not settings(**production).docs_enabled
    assert settings(**production, DOCS_ENABLED="true").docs_enabled
    assert not settings(DOCS_ENABLED="false").docs_enabled


def test_previous_secrets_are_comma_separated_or_a_json_list_from_the_environment_or_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for given, meant in (
        (" old-one , older-one ,", ["old-one", "older-one"]),
        ("only-one", ["only-one"]),
        ('["with,comma", "plain"]', ["with,comma", "plain"]),
        ("", []),
    ):
        monkeypatch.setenv("JWT_SECRET_PREVIOUS", given)
        assert settings(JWT_SECRET="s" * 40).previous_secrets == meant, given
    monkeypatch.delenv("JWT_SECRET_PREVIOUS")
    (tmp_path / ".env").write_text("JWT_SECRET_PREVIOUS=old-one,older-one\n")
    assert Settings(_env_file=tmp_path / ".env").previous_secrets == ["old-one", "older-one"]  # type: ignore[call-arg]
    assert settings(JWT_SECRET="s" * 40, JWT_SECRET_PREVIOUS=f"{'s' * 40},old").previous_secrets == ["old"]
    assert "old-one" not in repr(settings(JWT_SECRET_PREVIOUS="old-one"))  # kept as SecretStr, out of logs
    with pytest.raises(SettingsError, match=r"JWT_SECRET_PREVIOUS: .*JSON list"):
        load_settings(_env_file=None, JWT_SECRET_PREVIOUS='["unclosed')


def test_a_dead_workers_emails_are_free_within_30_s_unless_a_send_may_take_longer() -> None:
    assert (settings().outbox_lease_seconds, settings().OUTBOX_BATCH_SIZE) == (30.0, 10)
    assert (
        settings(MAIL_TIMEOUT_SECONDS=25).outbox_lease_seconds == 50
    )  # a send begins with half a lease left
    assert settings(OUTBOX_LEASE_SECONDS=120).outbox_lease_seconds == 120  # a value set before still holds
    with pytest.raises(ValidationError, match="OUTBOX_LEASE_SECONDS is under 2 x MAIL_TIMEOUT_SECONDS"):
        settings(OUTBOX_LEASE_SECONDS=15)


def test_the_workers_metrics_listener_is_off_unless_given_as_host_and_port() -> None:
    assert settings().worker_metrics_listener is None
    assert settings(WORKER_METRICS_LISTEN="127.0.0.1:9101").worker_metrics_listener == ("127.0.0.1", 9101)
    with pytest.raises(ValidationError, match="host:port"):
        settings(WORKER_METRICS_LISTEN="9101")


def test_previous_secrets_in_json_are_kept_exactly_and_a_deep_nesting_is_a_clear_error() -> None:
    # Found by a review: "[" * 5000 raised a RecursionError past the settings' error, a raw traceback;
    # and the JSON form, there to carry exact values, had its items' spaces cut.
    assert settings(JWT_SECRET_PREVIOUS='[" spaced old one "]').previous_secrets == [" spaced old one "]
    with pytest.raises(SettingsError, match=r"JWT_SECRET_PREVIOUS: .*JSON list"):
        load_settings(_env_file=None, JWT_SECRET_PREVIOUS="[" * 5000)


def test_passkeys_default_to_the_links_domain_and_origin() -> None:
    local = settings()
    assert (local.webauthn_rp_id, local.webauthn_origins) == ("localhost", ["http://localhost:8000"])
    assert local.webauthn_rp_name == "Bookly Accounts"
    public = settings(DOMAIN="accounts.example.com:8443", PUBLIC_SCHEME="https", MAIL_FROM_NAME="Bookly")
    assert public.webauthn_rp_id == "accounts.example.com"
    assert public.webauthn_origins == ["https://accounts.example.com:8443"]
    assert public.webauthn_rp_name == "Bookly"
    named = settings(
        WEBAUTHN_RP_ID="example.com",
        WEBAUTHN_ORIGINS="https://example.com, https://app.example.com/, HTTPS://Shop.Example.com:443",
        WEBAUTHN_RP_NAME="Books",
    )
    # as a browser writes them in the client data, which is compared as a string
    assert named.webauthn_origins == [
        "https://example.com",
        "https://app.example.com",
        "https://shop.example.com",
    ]
    assert (named.webauthn_rp_id, named.webauthn_rp_name) == ("example.com", "Books")


@pytest.mark.parametrize(
    "values, words",
    [
        ({"WEBAUTHN_ORIGINS": "https://app.example.com/login"}, "is not an origin"),
        ({"WEBAUTHN_ORIGINS": "app.example.com"}, "is not an origin"),
        ({"WEBAUTHN_ORIGINS": "ftp://app.example.com"}, "is not an origin"),
        ({"WEBAUTHN_ORIGINS": "https://app.example.com:port"}, "is not an origin"),
        ({"WEBAUTHN_RP_ID": "example.com", "WEBAUTHN_ORIGINS": "https://example.org"}, "nor a parent domain"),
        ({"WEBAUTHN_RP_ID": "ample.com", "WEBAUTHN_ORIGINS": "https://example.com"}, "nor a parent domain"),
        ({"WEBAUTHN_RP_ID": "https://example.com"}, "is not a domain name"),
        ({"WEBAUTHN_RP_ID": "com", "WEBAUTHN_ORIGINS": "https://example.com"}, "top-level domain"),
        ({"DOMAIN": "accounts.example.com", "WEBAUTHN_RP_ID": "localhost"}, "nor a parent domain"),
    ],
)
def test_passkey_settings_no_browser_could_use_stop_the_start_in_one_line(
    values: dict[str, str], words: str
) -> None:
    with pytest.raises(SettingsError, match=words) as refused:
        load_settings(_env_file=None, **values)
    assert "\n" not in str(refused.value) and "WEBAUTHN_" in str(refused.value)
