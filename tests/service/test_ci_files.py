"""The CI integrations shipped at the repository root parse and call copyfair as documented."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _load(name: str) -> object:
    return yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))


def test_github_action_is_composite_and_uploads_sarif() -> None:
    action = _load("action.yml")
    assert isinstance(action, dict)
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    uses = [s.get("uses", "") for s in steps]
    assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses)
    scripts = "\n".join(s.get("run", "") for s in steps)
    assert "--format sarif" in scripts and "--format markdown" in scripts
    assert "GITHUB_STEP_SUMMARY" in scripts
    assert "fail-on" in action["inputs"]
    # Inputs reach scripts through the environment only, never spliced into the script.
    assert "${{ inputs." not in scripts


def test_pre_commit_hook() -> None:
    hooks = _load(".pre-commit-hooks.yaml")
    assert isinstance(hooks, list)
    hook = hooks[0]
    assert hook["id"] == "copyfair" and hook["entry"].startswith("copyfair scan")
    assert hook["pass_filenames"] is False


def test_gitlab_example() -> None:
    ci = _load("examples/gitlab-ci.yml")
    assert isinstance(ci, dict)
    script = "\n".join(ci["copyfair"]["script"])
    assert "--fail-on" in script and "--format sarif" in script
