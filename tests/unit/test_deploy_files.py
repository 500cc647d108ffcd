"""The deployment files keep their shape. Checked offline: no Docker engine, no network."""

import re
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
# What compose must refuse to start without.
REQUIRED = [
    "BOT_TOKEN",
    "WEBHOOK_BASE_URL",
    "WEBHOOK_SECRET",
    "PAYMENT_PROVIDER",
    "CARRIER_PROVIDER",
    "OXAPAY_MERCHANT_KEY",
    "SHIPSTATION_API_KEY",
]


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(lock: str) -> dict[str, tuple[str, int]]:
    """name -> (version, number of hashes) for each requirement of a lock file."""
    found: dict[str, tuple[str, int]] = {}
    for entry in re.split(r"\n(?=\S)", (ROOT / lock).read_text()):
        if entry.startswith("#") or not entry.strip():
            continue
        pinned = re.match(r"([A-Za-z0-9_.-]+)==(\S+)", entry)
        assert pinned, f"{lock}: not an exact pin: {entry.splitlines()[0]}"
        found[normalized(pinned[1])] = (pinned[2], len(re.findall(r"--hash=sha256:\w{64}", entry)))
    return found


def required_names(requirements: list[str]) -> set[str]:
    return {normalized(Requirement(requirement).name) for requirement in requirements}


def instructions(dockerfile: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    lines = [line for line in dockerfile.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n\s*", " ", "\n".join(lines))
    return [
        (word.upper(), rest.strip())
        for word, _, rest in (line.strip().partition(" ") for line in joined.splitlines())
        if word
    ]


def stages() -> list[list[tuple[str, str]]]:
    found: list[list[tuple[str, str]]] = []
    for instruction in instructions((ROOT / "Dockerfile").read_text()):
        if instruction[0] == "FROM":
            found.append([])
        if found:
            found[-1].append(instruction)
    return found


def args(stage: list[tuple[str, str]], instruction: str) -> list[str]:
    return [rest for word, rest in stage if word == instruction]


@pytest.fixture(scope="module")
def services() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]


@pytest.fixture(scope="module")
def replicas(services) -> dict:
    return {
        name: service for name, service in services.items() if service.get("command") == ["serve"]
    }


def test_the_locks_pin_every_dependency_with_hashes():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime, test = pins("requirements.lock"), pins("requirements-test.lock")
    assert all(hashes for _, hashes in [*runtime.values(), *test.values()])
    # A dependency added to pyproject.toml without `make lock` fails here.
    assert required_names(project["dependencies"]) <= runtime.keys()
    assert required_names(project["optional-dependencies"]["test"]) <= test.keys()
    # The image runs exactly the versions the tests ran with.
    assert {name: test[name] for name in runtime} == runtime


def test_make_installs_from_the_test_lock_and_reinstalls_when_it_changes():
    makefile = (ROOT / "Makefile").read_text()
    lock = re.search(r"^TEST_LOCK := (\S+)$", makefile, re.M)[1]
    rule = re.search(r"^\$\(INSTALLED\): (.*)\n((?:\t.*\n)+)", makefile, re.M)
    assert lock == "requirements-test.lock" and "$(TEST_LOCK)" in rule[1].split()
    assert "install --require-hashes -r $(TEST_LOCK)" in rule[2]
    assert "install --no-deps -e ." in rule[2]
    assert re.search(r"^lock:", makefile, re.M)


def test_the_image_installs_the_lock_and_runs_unprivileged_with_a_health_check():
    builder, runtime = stages()
    assert builder[0][1].endswith(" AS builder") and runtime[0][1] == builder[0][1].split()[0]
    assert "${PYTHON_IMAGE}" in runtime[0][1]
    assert re.search(
        r"^ARG PYTHON_IMAGE=python:3\.11-slim$", (ROOT / "Dockerfile").read_text(), re.M
    )
    assert any(src.startswith("requirements.lock ") for src in args(builder, "COPY"))
    assert any("--require-hashes -r /tmp/requirements.lock" in run for run in args(builder, "RUN"))

    assert args(runtime, "COPY") == ["--from=builder /opt/venv /opt/venv"]
    user = args(runtime, "USER")[-1].split(":")[0]
    assert user not in ("root", "0")
    assert (
        "/readyz" in args(runtime, "HEALTHCHECK")[0] and "python" in args(runtime, "HEALTHCHECK")[0]
    )
    assert args(runtime, "EXPOSE") == ["8000"]
    assert args(runtime, "ENTRYPOINT") == ['["shipbot"]'] and args(runtime, "CMD") == ['["serve"]']
    labels_dir = re.search(r"LABELS_DIR=(\S+)", " ".join(args(runtime, "ENV")))[1]
    assert args(runtime, "VOLUME") == [f'["{labels_dir}"]']


def test_the_build_context_is_only_what_the_image_copies():
    ignore = [
        line
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line[:1] not in ("", "#")
    ]
    assert ignore[0] == "*"  # everything else, .env included, stays out
    included = {line[1:].rstrip("/") for line in ignore if line.startswith("!")}
    copied = {
        source.rstrip("/")
        for stage in stages()
        for copy in args(stage, "COPY")
        if not copy.startswith("--from")
        for source in copy.split()[:-1]
    }
    assert copied == included


def test_two_replicas_serve_after_the_one_shot_migration(services, replicas):
    assert len(replicas) == 2
    migrate = services["migrate"]
    assert migrate["command"] == ["migrate"] and migrate["restart"] == "no"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    for replica in replicas.values():
        assert replica["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert replica["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert replica["image"] == migrate["image"] and replica["build"] == migrate["build"]
    # One database and one labels volume, shared.
    urls = {replica["environment"]["DATABASE_URL"] for replica in replicas.values()}
    assert urls == {migrate["environment"]["DATABASE_URL"]}
    assert re.fullmatch(
        r"postgresql://shipbot:\$\{POSTGRES_PASSWORD:\?[^}]*\}@postgres/shipbot", *urls
    )
    mounts = [replica["volumes"] for replica in replicas.values()]
    assert mounts[0] == mounts[1] == [f"labels:{replicas['bot-1']['environment']['LABELS_DIR']}"]


def test_postgres_15_keeps_its_data_and_reports_health(services):
    postgres = services["postgres"]
    assert postgres["image"] == "postgres:15"
    assert postgres["volumes"] == ["pgdata:/var/lib/postgresql/data"]
    assert "pgdata" in yaml.safe_load((ROOT / "compose.yaml").read_text())["volumes"]
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])


def test_compose_refuses_to_start_without_the_required_settings(services, replicas):
    password = services["postgres"]["environment"]["POSTGRES_PASSWORD"]
    assert re.fullmatch(r"\$\{POSTGRES_PASSWORD:\?[^}]*\}", password)
    for service in [*replicas.values(), services["migrate"]]:
        for name in REQUIRED:
            assert re.fullmatch(rf"\$\{{{name}:\?[^}}]*\}}", service["environment"][name]), name


def test_caddy_terminates_tls_for_the_webhook_host_in_front_of_every_replica(services, replicas):
    caddy = services["caddy"]
    assert "443:443" in caddy["ports"]
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in caddy["volumes"]
    assert caddy["environment"]["WEBHOOK_BASE_URL"].startswith("${WEBHOOK_BASE_URL:?")
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    assert re.search(r"^\{\$WEBHOOK_BASE_URL\} \{$", caddyfile, re.M)
    upstreams = re.search(r"^\s*reverse_proxy (.+) \{$", caddyfile, re.M)[1].split()
    assert sorted(upstreams) == sorted(f"{name}:8000" for name in replicas)
    assert re.search(r"^\s*health_uri /readyz$", caddyfile, re.M)
