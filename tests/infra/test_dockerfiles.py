"""The container images build from what the repository holds and start what Terraform runs.

Docker is not needed: the Dockerfiles are read as text. Each `COPY` from the build context names
files that exist and that `.dockerignore` lets through; the package data the services read at
runtime (the credit policy, the fraud lists) reaches the image; each image's command names code
that imports; and the image agrees with the module that runs it (the credit service's port and
user, the credit proxy's handler).
"""

from __future__ import annotations

import fnmatch
import importlib
import inspect
import json
import re
import shlex
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.infra.conftest import INFRA, REPO_ROOT

pytestmark = pytest.mark.infra

DOCKER = REPO_ROOT / "docker"
CREDIT_SERVICE = DOCKER / "credit-service.Dockerfile"
LAMBDA = DOCKER / "lambda.Dockerfile"
SCORING = DOCKER / "scoring.Dockerfile"
DOCKERFILES = (CREDIT_SERVICE, LAMBDA, SCORING)

# Files the services open at runtime, which must therefore be in the installed package.
RUNTIME_DATA = (
    "services/credit/policy/policy-v1.json",
    "services/credit/screening/checks/fraud_data/blocklist.json",
    "services/credit/screening/checks/fraud_data/disposable_email_domains.json",
    # The pre-screening workflow's definition, which the runner and the step function read.
    "services/credit/screening/prescreening.asl.json",
)
# Never in a build context: large, local, or secret.
NEVER_IN_CONTEXT = (".git/HEAD", ".venv/pyvenv.cfg", "node_modules/x.js", "tests/conftest.py")


@dataclass(frozen=True)
class Instruction:
    """One Dockerfile instruction, with its continuation lines joined."""

    keyword: str
    arguments: str


def instructions(dockerfile: Path) -> list[Instruction]:
    """The instructions of `dockerfile`, comments dropped, continuations (`\\`) joined."""
    found: list[Instruction] = []
    pending = ""
    for raw in dockerfile.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, arguments = (pending + line).partition(" ")
        found.append(Instruction(keyword.upper(), arguments.strip()))
        pending = ""
    return found


def only(dockerfile: Path, keyword: str) -> list[str]:
    """The arguments of every `keyword` instruction of `dockerfile`."""
    return [i.arguments for i in instructions(dockerfile) if i.keyword == keyword]


def exec_form(arguments: str) -> list[str]:
    """A JSON-array (exec form) CMD; the shell form is refused (signals would miss the app)."""
    value = json.loads(arguments)
    assert isinstance(value, list), f"not exec form: {arguments}"
    return [str(part) for part in value]


def context_copies(dockerfile: Path) -> list[str]:
    """The build-context sources of every COPY (not `COPY --from=<stage>`)."""
    sources: list[str] = []
    for arguments in only(dockerfile, "COPY"):
        words = shlex.split(arguments)
        if any(word.startswith("--from=") for word in words):
            continue
        paths = [word for word in words if not word.startswith("--")]
        sources.extend(paths[:-1])
    return sources


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    """Docker's .dockerignore pattern (Go filepath.Match plus `**`) as a regular expression."""
    out = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
        elif pattern.startswith("**", i):
            out += ".*"
            i += 2
        elif pattern[i] == "*":
            out += "[^/]*"
            i += 1
        elif pattern[i] == "?":
            out += "[^/]"
            i += 1
        elif pattern[i] == "[":
            end = pattern.index("]", i)
            out += pattern[i : end + 1]
            i = end + 1
        else:
            out += re.escape(pattern[i])
            i += 1
    return re.compile(out)


def dockerignore_rules() -> list[tuple[bool, re.Pattern[str]]]:
    """(exclude?, pattern) for each line of `.dockerignore`, in order."""
    rules = []
    for raw in (REPO_ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        pattern = line[1:] if negated else line
        rules.append((not negated, _pattern_regex(pattern.strip("/"))))
    return rules


def is_excluded(path: str, rules: list[tuple[bool, re.Pattern[str]]]) -> bool:
    """Whether Docker leaves `path` out of the context: the last rule matching the path or one
    of its parent directories decides."""
    parts = path.split("/")
    candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    excluded = False
    for exclude, pattern in rules:
        if any(pattern.fullmatch(candidate) for candidate in candidates):
            excluded = exclude
    return excluded


def resolve(name: str) -> object:
    """The object `module.attr` or `module:attr` names."""
    module_name, _, attribute = name.replace(":", ".").rpartition(".")
    return getattr(importlib.import_module(module_name), attribute)


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_copy_sources_exist_and_reach_the_context(dockerfile):
    rules = dockerignore_rules()
    sources = context_copies(dockerfile)
    assert sources, f"{dockerfile.name} copies nothing from the build context"
    missing = [s for s in sources if not (REPO_ROOT / s).exists()]
    assert not missing, f"{dockerfile.name} copies paths that do not exist: {missing}"
    ignored = [s for s in sources if is_excluded(s, rules)]
    assert not ignored, f".dockerignore leaves out what {dockerfile.name} copies: {ignored}"


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_image_installs_the_package_with_its_readme(dockerfile):
    # `pip install .` reads pyproject.toml, which names README.md as the readme.
    sources = set(context_copies(dockerfile))
    assert {"pyproject.toml", "README.md", "services"} <= sources
    assert any(re.search(r"pip install\b.*\s\.$", run) for run in only(dockerfile, "RUN"))


def test_runtime_data_reaches_the_image():
    rules = dockerignore_rules()
    with (REPO_ROOT / "pyproject.toml").open("rb") as file:
        package_data = tomllib.load(file)["tool"]["setuptools"]["package-data"]
    for path in RUNTIME_DATA:
        assert (REPO_ROOT / path).is_file(), path
        assert not is_excluded(path, rules), f".dockerignore leaves out {path}"
        # Package data of the nearest package holding it, so `pip install .` installs it.
        package = Path(path).parent
        while not (REPO_ROOT / package / "__init__.py").is_file():
            package = package.parent
        inside = Path(path).relative_to(package).as_posix()
        # setuptools applies the "*" entry to every package.
        globs = [
            *package_data.get("*", []),
            *package_data.get(package.as_posix().replace("/", "."), []),
        ]
        assert any(fnmatch.fnmatch(inside, g) for g in globs), f"{path} is not package data"


def test_context_leaves_out_local_and_large_files():
    rules = dockerignore_rules()
    kept = [path for path in NEVER_IN_CONTEXT if not is_excluded(path, rules)]
    assert not kept, f".dockerignore lets these into the build context: {kept}"


def test_credit_service_runs_the_app_factory_as_non_root():
    assert only(CREDIT_SERVICE, "FROM")[-1] == "python:3.11-slim"
    command = exec_form(only(CREDIT_SERVICE, "CMD")[-1])
    assert command[:2] == ["uvicorn", "--factory"]
    assert callable(resolve(command[2])), f"{command[2]} is not the app factory"
    assert command[command.index("--host") + 1] == "0.0.0.0"
    port = int(command[command.index("--port") + 1])
    assert only(CREDIT_SERVICE, "EXPOSE") == [str(port)]
    user = only(CREDIT_SERVICE, "USER")[-1]
    assert user.split(":")[0] not in ("root", "0"), "the service must not run as root"


def test_credit_service_image_matches_its_task_definition():
    module = INFRA / "modules" / "credit_service"
    variables = (module / "variables.tf").read_text(encoding="utf-8")
    port_default = re.search(
        r'variable "container_port" \{.*?default\s*=\s*(\d+)', variables, re.DOTALL
    )
    assert port_default is not None
    command = exec_form(only(CREDIT_SERVICE, "CMD")[-1])
    assert int(port_default.group(1)) == int(command[command.index("--port") + 1])
    main = (module / "main.tf").read_text(encoding="utf-8")
    task_user = re.search(r'user\s*=\s*"([^"]+)"', main)
    assert task_user is not None
    assert task_user.group(1) == only(CREDIT_SERVICE, "USER")[-1]


def test_lambda_image_defaults_to_the_credit_proxy_handler():
    assert only(LAMBDA, "FROM")[-1] == "public.ecr.aws/lambda/python:3.11"
    # The packages land where the runtime imports from.
    assert any(
        copy.startswith("--from=") and copy.endswith("${LAMBDA_TASK_ROOT}")
        for copy in only(LAMBDA, "COPY")
    )
    command = exec_form(only(LAMBDA, "CMD")[-1])
    handler = resolve(command[0])
    assert callable(handler)
    inspect.signature(handler).bind(object(), object())


def test_credit_proxy_module_runs_a_handler_of_the_image():
    main = (INFRA / "modules" / "credit_proxy" / "main.tf").read_text(encoding="utf-8")
    found = re.search(r"image_config\s*\{\s*command\s*=\s*(\[[^\]]*\])", main)
    assert found is not None
    (name,) = json.loads(found.group(1))
    handler = resolve(name)
    assert callable(handler)
    inspect.signature(handler).bind(object(), object())


def test_scoring_image_serves_sagemakers_contract_as_non_root():
    """SageMaker runs `<image> serve`, mounts the model at /opt/ml/model and calls port 8080."""
    text = SCORING.read_text(encoding="utf-8")
    serve = re.search(r"exec uvicorn --factory (\S+) --host 0\.0\.0\.0 --port (\d+)", text)
    assert serve is not None, "the serve command must start the scoring app on all interfaces"
    assert callable(resolve(serve.group(1))), f"{serve.group(1)} is not the app factory"
    assert serve.group(2) == "8080"
    assert only(SCORING, "EXPOSE") == ["8080"]
    assert "BNPL_SCORING_MODEL_DIR=/opt/ml/model" in text
    user = only(SCORING, "USER")[-1]
    assert user.split(":")[0] not in ("root", "0"), "the server must not run as root"
