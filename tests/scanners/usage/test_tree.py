from __future__ import annotations

import json
from pathlib import Path

from licences.profile import LegalForm, Profile
from licences.sources import DATA_DIR
from licences.usage import Commercial, UseKind
from scanners.usage import assess_usage, usage_signals_from_files
from scanners.usage.signals import SignalKind

from .git_helpers import make_repo

PACKAGE_JSON = {
    "name": "acme-dashboard",
    "version": "2.3.0",
    "private": True,
    "license": "UNLICENSED",
    "dependencies": {"stripe": "^14.0.0", "express": "^4.19.0"},
}
K8S = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: dashboard\n"
TRAIN = """\
from datasets import load_dataset
from transformers import Trainer, TrainingArguments

data = load_dataset("acme/support-tickets")
trainer = Trainer(model=model, args=TrainingArguments("out"), train_dataset=data["train"])
trainer.train()
"""


def _write(root: Path, files: dict[str, str]) -> list[str]:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return sorted(files)


def _company_tree(root: Path) -> list[str]:
    return _write(
        root,
        {
            "LICENSE": "Copyright (c) 2025 Acme Analytics GmbH. All rights reserved.\n\n"
            "Proprietary and confidential.\n",
            "package.json": json.dumps(PACKAGE_JSON, indent=2),
            "src/server.ts": "// Copyright 2025 Acme Analytics GmbH\nexport const port = 80\n",
            "Dockerfile": "FROM node:20\nCOPY . .\n",
            "deploy/chart/Chart.yaml": "apiVersion: v2\nname: dashboard\n",
            "deploy/k8s/deployment.yaml": K8S,
            "ml/train.py": TRAIN,
            # third-party code: its copyright holder is not the project's
            "node_modules/left-pad/index.js": "// Copyright 2016 Google LLC\n",
        },
    )


def test_company_project(tmp_path: Path) -> None:
    paths = _company_tree(tmp_path)
    authors = [("Ada", "ada@acme-analytics.com")] * 4 + [("Bob", "bob@gmail.com")]
    make_repo(tmp_path, authors)
    result = usage_signals_from_files(tmp_path, paths)
    kinds = [s.kind for s in result.signals]
    for kind in (
        SignalKind.PROPRIETARY_LICENCE,
        SignalKind.ALL_RIGHTS_RESERVED,
        SignalKind.UNLICENSED,
        SignalKind.PRIVATE_PACKAGE,
        SignalKind.COMPANY_HOLDER,
        SignalKind.CONTAINER_IMAGE,
        SignalKind.DEPLOYMENT,
        SignalKind.BILLING_SDK,
        SignalKind.AI_TRAINING,
        SignalKind.COMPANY_COMMITS,
    ):
        assert kind in kinds, kind
    holders = [s.evidence for s in result.signals if s.kind == SignalKind.COMPANY_HOLDER]
    assert len(holders) == 1 and "Acme Analytics GmbH" in holders[0]
    assert not any("Google" in s.evidence for s in result.signals)
    training = next(s for s in result.signals if s.kind == SignalKind.AI_TRAINING)
    assert "acme/support-tickets" in training.evidence
    billing = next(s for s in result.signals if s.kind == SignalKind.BILLING_SDK)
    assert "stripe" in billing.evidence
    assert result.notes == ()

    inferred = assess_usage(result.signals, None)
    assert inferred.commercial is Commercial.YES
    assert inferred.uses == (UseKind.SAAS, UseKind.AI_TRAINING)

    declared = assess_usage(result.signals, Profile(legal_form=LegalForm.NON_PROFIT))
    assert declared.commercial is Commercial.NO and declared.declared
    assert any("Acme Analytics GmbH" in w for w in declared.warnings)


def test_commons_project(tmp_path: Path) -> None:
    mit = (DATA_DIR / "spdx" / "text" / "MIT.txt").read_text(encoding="utf-8")
    paths = _write(
        tmp_path,
        {
            "LICENSE": mit.replace("<year> <copyright holders>", "2024 Geo Commons Foundation"),
            "geo/__init__.py": "# Copyright 2024 Geo Commons Foundation\n",
            "pyproject.toml": '[project]\nname = "geo"\nversion = "1.0"\nlicense = "MIT"\n',
        },
    )
    make_repo(tmp_path, [("Dee", "dee@student.ethz.ch")] * 5 + [("Eve", "eve@proton.me")])
    result = usage_signals_from_files(tmp_path, paths)
    kinds = {s.kind for s in result.signals}
    assert kinds == {
        SignalKind.OPEN_LICENCE,
        SignalKind.NONPROFIT_HOLDER,
        SignalKind.ACADEMIC_COMMITS,
    }
    assert assess_usage(result.signals, None).commercial is Commercial.NO


def test_test_fixtures_are_not_the_projects_own(tmp_path: Path) -> None:
    paths = _write(
        tmp_path,
        {
            "src/tool.py": "# Copyright 2024 Ada Lovelace\n",
            "tests/test_holders.py": '# Copyright 2025 Acme Analytics GmbH\nHOLDER = "Acme Inc."\n',
            "tests/fixtures/deploy/Chart.yaml": "apiVersion: v2\nname: demo\n",
        },
    )
    result = usage_signals_from_files(tmp_path, paths, git=False)
    assert SignalKind.COMPANY_HOLDER not in {s.kind for s in result.signals}
    assert not any("tests/" in s.evidence for s in result.signals)


def test_no_git_and_unreadable_files(tmp_path: Path) -> None:
    paths = _write(tmp_path, {"README.md": "# tool\n"})
    result = usage_signals_from_files(
        tmp_path, [*paths, "LICENSE"], components=(), git=True, max_commits=10
    )
    assert result.signals == ()
    assert result.notes == ("git history: not a git repository",)
    assert [s.path for s in result.skipped] == ["LICENSE"]
    assert usage_signals_from_files(tmp_path, paths, git=False).notes == ()


def test_symlinks_are_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("Proprietary and confidential. All rights reserved.\n", encoding="utf-8")
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "LICENSE").symlink_to(outside)
    result = usage_signals_from_files(tree, ["LICENSE"], components=(), git=False)
    assert result.signals == ()
