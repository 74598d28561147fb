from __future__ import annotations

import json
from collections.abc import Sequence

import pytest

from licences.categories import Category
from licences.sources import DATA_DIR
from licences.usage import UseKind
from scanners.detect import detect_text
from scanners.inventory.model import (
    Component,
    ComponentEvidence,
    ComponentKind,
    EvidenceMethod,
    Scope,
    make_component,
)
from scanners.model import Evidence, Method
from scanners.usage.holders import HolderClass, find_holders
from scanners.usage.signals import (
    Detector,
    SignalKind,
    dependency_signals,
    deployment_candidates,
    deployment_signals,
    holder_signals,
    is_licence_file,
    manifest_holders,
    manifest_signals,
    project_component_signals,
    project_licence_signals,
    training_signals,
)

PROPRIETARY = """\
Copyright (c) 2025 Acme Analytics GmbH. All rights reserved.

This software is proprietary and confidential. Unauthorized copying of this file,
via any medium, is strictly prohibited.
"""


def _fake_detect(licence: str) -> Detector:
    def detect(text: str) -> Sequence[Evidence]:
        return [Evidence(Method.LICENCE_TEXT, licence, 1, 10, 1.0)]

    return detect


def _categories(text: str) -> Category:
    return {
        "MIT": Category.PERMISSIVE,
        "BUSL-1.1": Category.SOURCE_AVAILABLE,
        "CC-BY-NC-4.0": Category.NONCOMMERCIAL,
    }.get(text, Category.UNKNOWN)


# --- the project's own licence -----------------------------------------------------------


def test_proprietary_licence_file() -> None:
    signals = project_licence_signals(PROPRIETARY, "LICENSE", detect_text)
    kinds = {s.kind: s for s in signals}
    assert set(kinds) == {SignalKind.PROPRIETARY_LICENCE, SignalKind.ALL_RIGHTS_RESERVED}
    assert kinds[SignalKind.PROPRIETARY_LICENCE].weight > 0.5
    assert kinds[SignalKind.PROPRIETARY_LICENCE].evidence.startswith("LICENSE:3:")
    assert kinds[SignalKind.ALL_RIGHTS_RESERVED].evidence.startswith("LICENSE:1:")


def test_bsd_all_rights_reserved_is_an_open_licence() -> None:
    bsd = (DATA_DIR / "spdx" / "text" / "BSD-3-Clause.txt").read_text(encoding="utf-8")
    text = bsd.replace(
        "Copyright (c) <year> <owner>.", "Copyright (c) 2020, Acme. All rights reserved."
    )
    signals = project_licence_signals(text, "LICENSE", detect_text)
    assert [s.kind for s in signals] == [SignalKind.OPEN_LICENCE]
    assert signals[0].weight < 0
    assert "BSD-3-Clause" in signals[0].evidence


@pytest.mark.parametrize(
    ("licence", "kind", "positive"),
    [
        ("MIT", SignalKind.OPEN_LICENCE, False),
        ("CC-BY-NC-4.0", SignalKind.NONCOMMERCIAL_LICENCE, False),
        ("BUSL-1.1", SignalKind.SOURCE_AVAILABLE_LICENCE, True),
    ],
)
def test_licence_categories(licence: str, kind: SignalKind, positive: bool) -> None:
    signals = project_licence_signals(
        "some licence text",
        "LICENSE",
        _fake_detect(licence),
        category_of=_categories,
    )
    assert [s.kind for s in signals] == [kind]
    assert (signals[0].weight > 0) is positive


def test_readme_phrases_only() -> None:
    readme = "# Tool\n\nLicensed under the MIT licence.\n\nAll rights reserved.\n"
    assert project_licence_signals(readme, "README.md", detect_text, phrases_only=True) == []
    closed = "# Tool\n\n(c) 2025 Acme Inc. All rights reserved.\n"
    signals = project_licence_signals(closed, "README.md", detect_text, phrases_only=True)
    assert [s.kind for s in signals] == [SignalKind.ALL_RIGHTS_RESERVED]
    assert signals[0].evidence.startswith("README.md:3:")


def test_project_component_licence() -> None:
    project = make_component(
        name="acme", version="1.0", kind=ComponentKind.PROJECT, path=".", licence="BUSL-1.1"
    )
    signals = project_component_signals([project], category_of_expression=_categories)
    assert [s.kind for s in signals] == [SignalKind.SOURCE_AVAILABLE_LICENCE]
    dependency = make_component(
        name="x", version="1", kind=ComponentKind.DEPENDENCY, path="p", licence="BUSL-1.1"
    )
    assert project_component_signals([dependency], category_of_expression=_categories) == []


# --- manifests ---------------------------------------------------------------------------


def test_package_json_unlicensed_and_private() -> None:
    text = json.dumps({"name": "app", "private": True, "license": "UNLICENSED"}, indent=2)
    signals = manifest_signals(text, "package.json")
    assert {s.kind for s in signals} == {SignalKind.UNLICENSED, SignalKind.PRIVATE_PACKAGE}
    unlicensed = next(s for s in signals if s.kind == SignalKind.UNLICENSED)
    assert unlicensed.evidence.startswith("package.json:4:")


def test_package_json_open() -> None:
    assert manifest_signals('{"name": "lib", "license": "MIT"}', "package.json") == []
    assert manifest_signals("{not json", "package.json") == []


def test_pyproject_proprietary() -> None:
    text = (
        '[project]\nname = "acme"\nclassifiers = [\n  "License :: Other/Proprietary License",\n]\n'
    )
    signals = manifest_signals(text, "pyproject.toml")
    assert [s.kind for s in signals] == [SignalKind.PROPRIETARY_LICENCE]
    assert signals[0].evidence.startswith("pyproject.toml:4:")
    text = '[project]\nname = "acme"\nlicense = {text = "Proprietary"}\n'
    assert [s.kind for s in manifest_signals(text, "pyproject.toml")] == [
        SignalKind.PROPRIETARY_LICENCE
    ]
    assert manifest_signals('[project\nname = "x"', "pyproject.toml") == []


def test_cargo_unpublished() -> None:
    text = '[package]\nname = "acme"\nversion = "0.1.0"\npublish = false\n'
    signals = manifest_signals(text, "Cargo.toml")
    assert [s.kind for s in signals] == [SignalKind.UNPUBLISHED_CRATE]
    assert signals[0].evidence.startswith("Cargo.toml:4:")


# --- copyright holders -------------------------------------------------------------------


def test_holder_signals_one_per_holder() -> None:
    pairs = [
        ("src/a.py", h)
        for h in find_holders("# Copyright 2024 Acme Inc.\n# Copyright 2024 Jane Doe\n")
    ]
    pairs += [("src/b.py", h) for h in find_holders("// Copyright 2023 Acme Inc.\n")]
    pairs += [("NOTICE", h) for h in find_holders("Copyright 2022 Geo Commons Foundation\n")]
    signals = holder_signals(pairs)
    assert [(s.kind, s.weight > 0) for s in signals] == [
        (SignalKind.COMPANY_HOLDER, True),
        (SignalKind.NONPROFIT_HOLDER, False),
    ]
    assert signals[0].evidence.startswith("src/a.py:1: copyright holder 'Acme Inc.'")
    assert "and 1 more statement" in signals[0].evidence


# --- deployment --------------------------------------------------------------------------

K8S = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
"""
COMPOSE_PORTS = """\
services:
  web:
    image: acme/web
    ports:
      - "8080:80"
"""
COMPOSE_INTERNAL = """\
services:
  db:
    image: postgres
"""


def test_dockerfile_alone_is_weak_and_no_use() -> None:
    signals = deployment_signals(["Dockerfile", "src/app.py"], {})
    assert [s.kind for s in signals] == [SignalKind.CONTAINER_IMAGE]
    assert signals[0].use is None
    assert signals[0].weight < 0.1


def test_dockerfile_with_helm_and_kubernetes_is_saas() -> None:
    paths = ["Dockerfile", "deploy/chart/Chart.yaml", "deploy/k8s/api.yaml", "infra/main.tf"]
    texts = {p: K8S for p in deployment_candidates(paths)}
    assert list(texts) == ["deploy/k8s/api.yaml"]
    signals = deployment_signals(paths, texts)
    assert all(s.use is UseKind.SAAS for s in signals)
    evidence = " | ".join(s.evidence for s in signals)
    for needle in ("Helm chart", "Kubernetes manifest", "Terraform", "Dockerfile"):
        assert needle in evidence
    assert signals[0].kind == SignalKind.CONTAINER_IMAGE


def test_compose_only_with_public_ports() -> None:
    with_ports = deployment_signals(["docker-compose.yml"], {"docker-compose.yml": COMPOSE_PORTS})
    assert [s.use for s in with_ports] == [UseKind.SAAS]
    assert "8080:80" in with_ports[0].evidence
    assert deployment_signals(["compose.yaml"], {"compose.yaml": COMPOSE_INTERNAL}) == []
    loopback = COMPOSE_PORTS.replace('"8080:80"', '"127.0.0.1:8080:80"')
    assert deployment_signals(["compose.yaml"], {"compose.yaml": loopback}) == []


def test_deployment_in_tests_and_examples_is_ignored() -> None:
    paths = ["tests/fixtures/Procfile", "examples/helm/Chart.yaml", "vendor/x/fly.toml"]
    assert deployment_signals(paths, {}) == []


def test_procfile_and_app_engine() -> None:
    signals = deployment_signals(["Procfile", "app.yaml"], {"app.yaml": "runtime: python312\n"})
    assert len(signals) == 2
    assert deployment_signals(["app.yaml"], {"app.yaml": "name: not app engine\n"}) == []


def test_many_kubernetes_files_give_one_signal() -> None:
    paths = [f"k8s/{i}.yaml" for i in range(20)]
    signals = deployment_signals(paths, {p: K8S for p in paths})
    assert len(signals) == 1
    assert "and 19 more" in signals[0].evidence


# --- dependencies ------------------------------------------------------------------------


def _dep(name: str, ecosystem: str, scope: Scope = Scope.RUNTIME) -> Component:
    return make_component(
        name=name,
        version="1.0",
        kind=ComponentKind.DEPENDENCY,
        path="manifest",
        ecosystem=ecosystem,
        scope=scope,
        evidence=(ComponentEvidence(EvidenceMethod.MANIFEST, "requirements.txt", 3),),
    )


def test_billing_sdks_per_ecosystem() -> None:
    components = [
        _dep("Stripe", "pypi"),
        _dep("@stripe/stripe-js", "npm"),
        _dep("github.com/stripe/stripe-go/v76", "golang"),
        _dep("com.google.android.gms:play-services-ads", "maven"),
        _dep("requests", "pypi"),
        _dep("stripe", "pypi"),  # the same package twice: one signal
    ]
    signals = dependency_signals(components)
    assert len(signals) == 4
    assert all(s.kind == SignalKind.BILLING_SDK for s in signals)
    assert signals[0].evidence.startswith("requirements.txt:3: dependency Stripe (pypi)")
    assert "advertising" in signals[3].evidence


def test_analytics_weaker_and_dev_half() -> None:
    runtime = dependency_signals([_dep("stripe", "npm")])
    dev = dependency_signals([_dep("stripe", "npm", Scope.DEV)])
    analytics = dependency_signals([_dep("posthog-js", "npm")])
    assert dev[0].weight == pytest.approx(runtime[0].weight / 2)
    assert analytics[0].weight < runtime[0].weight
    assert "development only" in dev[0].evidence


def test_project_component_is_not_a_dependency_signal() -> None:
    project = make_component(
        name="stripe", version="1", kind=ComponentKind.PROJECT, path=".", ecosystem="pypi"
    )
    assert dependency_signals([project]) == []


# --- AI training -------------------------------------------------------------------------

HF_TRAIN = """\
from datasets import load_dataset
from transformers import AutoModelForSequenceClassification, Trainer, TrainingArguments

data = load_dataset("imdb")
model = AutoModelForSequenceClassification.from_pretrained("bert-base-uncased")
trainer = Trainer(model=model, args=TrainingArguments("out"), train_dataset=data["train"])
trainer.train()
"""
TORCH_LOOP = """\
import torch

for batch in loader:
    loss = model(batch).loss
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()
"""
KERAS = """\
from tensorflow import keras

model = keras.Sequential([keras.layers.Dense(1)])
model.fit(x, y, epochs=3)
"""
SKLEARN = """\
from sklearn.linear_model import LinearRegression

LinearRegression().fit(x, y)
"""


def test_transformers_trainer_reading_a_dataset() -> None:
    signals = training_signals(HF_TRAIN, "train.py", ["imdb"])
    assert len(signals) == 1
    assert signals[0].use is UseKind.AI_TRAINING
    assert signals[0].evidence == "train.py:6: transformers/TRL Trainer; reads dataset imdb"


def test_torch_loop_without_dataset_is_weaker() -> None:
    with_data = training_signals(HF_TRAIN, "train.py")
    loop = training_signals(TORCH_LOOP, "loop.py")
    assert "load_dataset at line 4" in with_data[0].evidence
    assert loop[0].evidence.startswith("loop.py:5: PyTorch training loop")
    assert loop[0].weight < with_data[0].weight


def test_keras_fit_but_not_sklearn() -> None:
    assert training_signals(KERAS, "k.py")[0].evidence.startswith("k.py:4: Keras model.fit")
    assert training_signals(SKLEARN, "s.py") == []
    assert training_signals("class Trainer:\n    pass\nTrainer()\n", "t.py") == []


def test_notebook_training() -> None:
    cells = [
        {"cell_type": "markdown", "source": ["# Fine-tuning\n"]},
        {"cell_type": "code", "source": HF_TRAIN.splitlines(keepends=True)},
    ]
    notebook = json.dumps({"cells": cells, "nbformat": 4}, indent=1)
    signals = training_signals(notebook, "nb/tune.ipynb")
    assert signals[0].evidence.startswith("nb/tune.ipynb: code line 6: transformers/TRL Trainer")
    assert training_signals("{broken Trainer", "x.ipynb") == []


def test_manifest_authors_are_holders() -> None:
    package = json.dumps({"name": "app", "author": "Acme Inc. <dev@acme.io> (https://acme.io)"})
    pyproject = (
        '[project]\nname = "geo"\nauthors = [{name = "Geo Foundation"}, {email = "x@y.z"}]\n'
    )
    cargo = '[package]\nname = "c"\nauthors = ["Jane Doe <jane@doe.name>"]\n'
    assert [(h.name, h.holder_class) for h in manifest_holders(package, "package.json")] == [
        ("Acme Inc.", HolderClass.COMPANY)
    ]
    geo = manifest_holders(pyproject, "pyproject.toml")
    assert [(h.name, h.holder_class, h.line) for h in geo] == [
        ("Geo Foundation", HolderClass.NONPROFIT, 3)
    ]
    assert [h.holder_class for h in manifest_holders(cargo, "Cargo.toml")] == [HolderClass.PERSON]
    signals = holder_signals(
        [("package.json", h) for h in manifest_holders(package, "package.json")]
    )
    assert signals[0].evidence == "package.json:1: author 'Acme Inc.' is a company"
    assert manifest_holders("{oops", "package.json") == []


def test_licence_file_names() -> None:
    assert all(map(is_licence_file, ["LICENSE", "LICENCE.md", "COPYING.LESSER", "EULA.txt"]))
    assert not any(
        map(is_licence_file, ["NOTICE", "LICENSE-THIRD-PARTY", "THIRD_PARTY_LICENSES", "x.py"])
    )
