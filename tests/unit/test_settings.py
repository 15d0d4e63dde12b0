"""Settings as a deployment gives them: what they refuse, what they take as unset, what they warn of."""

from entrypoints.settings import Settings


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_an_empty_secret_is_no_secret_and_in_development_one_is_generated() -> None:
    assert settings(JWT_SECRET="").JWT_SECRET is None


def test_production_warns_of_http_links_a_local_domain_and_sqlite() -> None:
    risky = settings(ENVIRONMENT="production", JWT_SECRET="s" * 40, MAIL_BACKEND="smtp")
    [scheme, domain, database] = risky.production_warnings()
    assert "PUBLIC_SCHEME is http" in scheme and "DOMAIN is unset" in domain and "SQLite" in database
    sound = settings(ENVIRONMENT="production", JWT_SECRET="s" * 40, MAIL_BACKEND="smtp", PUBLIC_SCHEME="https",
                     DOMAIN="accounts.example.com", DATABASE_URL="postgresql://db/accounts")
    assert sound.production_warnings() == []
    assert settings().production_warnings() == []  # development runs on SQLite and http by design


def test_the_api_reference_is_on_by_default_but_off_in_production_unless_asked_for() -> None:
    production = dict(ENVIRONMENT="production", JWT_SECRET="s" * 40, MAIL_BACKEND="smtp")
    assert settings().docs_enabled and settings(ENVIRONMENT="test", JWT_SECRET="s" * 40).docs_enabled
    assert not settings(**production).docs_enabled
    assert settings(**production, DOCS_ENABLED="true").docs_enabled
    assert not settings(DOCS_ENABLED="false").docs_enabled
