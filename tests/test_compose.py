"""docker-compose.yml and api/Dockerfile: valid for a real compose parser, and the stack we mean."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
SECRETS = {"NEO4J_PASSWORD": "compose-test-password", "RINGSCOPE_API_KEYS": "k" * 24 + ":admin"}


def _compose(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.skip("Debian's docker-compose is not installed: run tests/setup/system.sh")
    clean = {k: v for k, v in os.environ.items() if k not in SECRETS and not k.startswith("COMPOSE_")}
    return subprocess.run(
        [binary, "--project-directory", str(ROOT), "-f", str(COMPOSE), *args],
        env={**clean, **env}, capture_output=True, text=True, timeout=120, cwd=ROOT,
    )


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return loaded


def test_compose_parser_accepts_the_file() -> None:
    done = _compose("config", "-q", env=SECRETS)
    assert done.returncode == 0, done.stderr


def test_compose_refuses_to_start_without_a_password() -> None:
    done = _compose("config", "-q", env={"RINGSCOPE_API_KEYS": SECRETS["RINGSCOPE_API_KEYS"]})
    assert done.returncode != 0 and "NEO4J_PASSWORD" in done.stderr


def test_resolved_config_wires_the_password_and_the_store() -> None:
    done = _compose("--profile", "demo", "config", env=SECRETS)
    assert done.returncode == 0, done.stderr
    resolved = yaml.safe_load(done.stdout)["services"]
    assert resolved["neo4j"]["environment"]["NEO4J_AUTH"] == "neo4j/compose-test-password"
    for name in ("api", "demo"):
        environment = resolved[name]["environment"]
        assert environment["NEO4J_PASSWORD"] == "compose-test-password"
        assert environment["RINGSCOPE_STORE"] == "bolt://neo4j:7687"


def test_neo4j_service(spec: dict[str, Any]) -> None:
    neo4j = spec["services"]["neo4j"]
    assert re.fullmatch(r"neo4j:5(-community)?", neo4j["image"])
    assert "${NEO4J_PASSWORD:?" in neo4j["environment"]["NEO4J_AUTH"]
    assert {"NEO4J_server_memory_heap_max__size", "NEO4J_server_memory_pagecache_size"} <= set(
        neo4j["environment"])
    assert "cypher-shell" in " ".join(neo4j["healthcheck"]["test"])
    mounted = {v.split(":")[0] for v in neo4j["volumes"]}
    assert mounted <= set(spec["volumes"]) and "neo4j-data" in mounted


def test_api_service(spec: dict[str, Any]) -> None:
    api = spec["services"]["api"]
    assert api["build"]["dockerfile"] == "api/Dockerfile"
    assert api["command"][:2] == ["ringscope", "serve"]
    command = " ".join(api["command"])
    assert "--host 0.0.0.0" in command and "--store bolt://neo4j:7687" in command
    assert api["depends_on"]["neo4j"]["condition"] == "service_healthy"
    assert api["environment"]["RINGSCOPE_API_KEYS"].startswith("${RINGSCOPE_API_KEYS")


def test_demo_job_runs_under_its_profile(spec: dict[str, Any]) -> None:
    demo = spec["services"]["demo"]
    assert demo["profiles"] == ["demo"]
    script = " ".join(demo["command"])
    positions = [script.index(f"ringscope {step}") for step in ("generate", "ingest", "detect")]
    assert positions == sorted(positions)
    assert script.count("--store bolt://neo4j:7687") == 2
    assert demo["depends_on"]["neo4j"]["condition"] == "service_healthy"


def test_dockerfile_installs_the_lock_then_the_project() -> None:
    text = (ROOT / "api" / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim$", text, re.MULTILINE)
    assert text.index("pip install -r requirements.lock") < text.index("pip install --no-deps .")
    assert "USER ringscope" in text
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert ".venv" in ignored and ".env" in ignored
