"""Settings for a service under test: never a developer's .env, cheap hashes, quick polling."""

from __future__ import annotations

from entrypoints.settings import Settings

TEST_SECRET = "test-secret-" + "x" * 40
METRICS_TOKEN = "test-metrics-token-" + "m" * 20
OPERATOR = {"Authorization": f"Bearer {METRICS_TOKEN}"}  # what a Prometheus scraper presents


def service_env(database_url: str, smtp_port: int, **overrides: object) -> dict[str, str]:
    values: dict[str, object] = dict(
        ENVIRONMENT="test",
        DATABASE_URL=database_url,
        JWT_SECRET=TEST_SECRET,
        METRICS_TOKEN=METRICS_TOKEN,
        MAIL_BACKEND="smtp",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_port,
        MAIL_STARTTLS=False,
        USE_CREDENTIALS=False,
        OUTBOX_POLL_SECONDS=0.05,
        OUTBOX_FIRST_RETRY_SECONDS=0.2,
        # Cheaper hashes keep the suite quick; the real parameters are tested with the hasher itself.
        PASSWORD_HASH_MEMORY_KIB=1024,
        PASSWORD_HASH_TIME_COST=1,
        # Tests send many requests from one address; those about limits set their own.
        RATE_LIMIT_PER_IP_PER_MINUTE=100_000,
        EMAILS_PER_ADDRESS_PER_HOUR=1000,
        LOGIN_FAILURES_PER_ACCOUNT=1000,
    )
    values.update(overrides)
    return {name: str(value) for name, value in values.items()}


def service_settings(database_url: str, smtp_port: int, **overrides: object) -> Settings:
    return Settings(_env_file=None, **service_env(database_url, smtp_port, **overrides))  # type: ignore[arg-type]
