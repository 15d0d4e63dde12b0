"""The image and the compose file start as deployments: production checks on, a secret of their own."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_the_image_runs_in_production_and_carries_no_secret() -> None:
    instructions = [
        line for line in (ROOT / "Dockerfile").read_text().splitlines() if not line.startswith("#")
    ]
    assert any("ENVIRONMENT=production" in line for line in instructions)
    assert not any("JWT_SECRET" in line for line in instructions)  # the operator gives it at run time


def test_compose_requires_a_secret_of_its_own() -> None:
    app = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["app"]["environment"]
    assert app["ENVIRONMENT"] == "production"
    assert app["JWT_SECRET"].startswith("${JWT_SECRET:?")  # compose refuses to start without one


def test_compose_leaves_the_hosts_postgresql_port_alone() -> None:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert "ports" not in services["postgres"]


def test_the_image_has_a_writable_data_folder_for_its_default_database() -> None:
    instructions = (ROOT / "Dockerfile").read_text()
    assert "chown accounts /data" in instructions and "WORKDIR /data" in instructions


def test_the_image_copies_everything_its_package_is_built_from() -> None:
    # A license file missing from the build context is only a warning to setuptools (for now), and a
    # package left out a module that fails to import at start: neither would stop `docker build`.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    needed = {
        project["project"]["readme"],
        *project["project"]["license-files"],
        *(name.rstrip("*") for name in project["tool"]["setuptools"]["packages"]["find"]["include"]),
    }
    copied = {
        source
        for line in (ROOT / "Dockerfile").read_text().splitlines()
        if line.startswith("COPY ")
        for source in line.split()[1:-1]
    }
    assert {
        path for path in needed if not any(path == c or path.startswith(c + "/") for c in copied)
    } == set()


def test_compose_catches_mail_with_a_maintained_multi_architecture_image() -> None:
    # Issue 22: MailHog's image has had no release since 2020 and runs on amd64 only.
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert services["mailpit"]["image"].startswith("axllent/mailpit:")
    assert services["app"]["environment"]["MAIL_SERVER"] == "mailpit"
    assert "mailpit" in services["app"]["depends_on"]
    assert not any("mailhog" in name for name in services)


def test_the_compose_step_leaves_the_env_of_dev_serve_alone() -> None:
    # `./dev serve` reads .env; a JWT_SECRET appended there for compose sealed its SQLite keys under another
    # secret.
    readme = (ROOT / "README.md").read_text()
    assert not re.search(r">>?\s*\.env\b", readme) and "--env-file deploy.env up" in readme
    assert (
        "JWT_SECRET_PREVIOUS"
        in yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["app"]["environment"]
    )  # passed through to the container, for a rotation
    for ignored in (".gitignore", ".dockerignore"):
        assert (
            "deploy.env" in (ROOT / ignored).read_text().splitlines()
        )  # a secret: never committed nor copied
