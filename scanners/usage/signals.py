"""Usage signals from the tree: pure functions of paths, texts and components.

Each function returns :class:`licences.usage.Signal` values whose ``evidence`` names the
file and line (or the dependency) that gave them. Weights are in [-1, 1]: positive points
to commercial use, negative away from it; ``use`` is set when the signal also suggests a
kind of use (a Helm chart → ``saas``, a training loop → ``ai-training``).

- :func:`project_licence_signals`: the project's own licence file (proprietary, "All rights
  reserved", source-available, or an open / non-commercial licence);
- :func:`manifest_signals`: ``UNLICENSED`` and ``"private": true`` in package.json, a
  proprietary classifier or licence in pyproject.toml, ``publish = false`` in Cargo.toml;
- :func:`holder_signals`: copyright holders that are companies, cooperatives, foundations,
  universities or public bodies;
- :func:`deployment_signals`: Dockerfiles with Kubernetes, Helm, Terraform, serverless,
  Procfile, fly.toml, App Engine or compose files that publish ports;
- :func:`dependency_signals`: billing, payment, advertising and analytics SDKs;
- :func:`training_signals`: AI training code, stronger when it reads a dataset.
"""

from __future__ import annotations

import json
import posixpath
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from enum import StrEnum
from functools import lru_cache
from typing import Any

from licences.catalog import load_catalog
from licences.categories import Category
from licences.usage import Signal, UseKind
from scanners.inventory.model import Component, ComponentKind, Scope
from scanners.keywords import AnyKeyword
from scanners.model import Evidence
from scanners.usage.holders import Holder, HolderClass, classify_holder
from scanners.usage.lists import SdkCategory, normalise_package, sdk_categories

Detector = Callable[[str], Sequence[Evidence]]


class SignalKind(StrEnum):
    """The kinds of signal this package emits (``Signal.kind``)."""

    PROPRIETARY_LICENCE = "proprietary-licence"
    ALL_RIGHTS_RESERVED = "all-rights-reserved"
    SOURCE_AVAILABLE_LICENCE = "source-available-licence"
    OPEN_LICENCE = "open-licence"
    NONCOMMERCIAL_LICENCE = "noncommercial-licence"
    UNLICENSED = "unlicensed-package"
    PRIVATE_PACKAGE = "private-package"
    UNPUBLISHED_CRATE = "unpublished-crate"
    COMPANY_HOLDER = "company-copyright-holder"
    COOPERATIVE_HOLDER = "cooperative-copyright-holder"
    NONPROFIT_HOLDER = "nonprofit-copyright-holder"
    ACADEMIC_HOLDER = "academic-copyright-holder"
    PUBLIC_HOLDER = "public-body-copyright-holder"
    CONTAINER_IMAGE = "container-image"
    DEPLOYMENT = "deployment-manifest"
    BILLING_SDK = "billing-sdk"
    COMPANY_COMMITS = "company-commit-domain"
    ORGANISATION_COMMITS = "organisation-commit-domain"
    ACADEMIC_COMMITS = "academic-commit-domains"
    PUBLIC_COMMITS = "public-body-commit-domains"
    AI_TRAINING = "ai-training-code"


# Kinds that say the project belongs to a company (used for contradictions).
COMPANY_KINDS = frozenset(
    {
        SignalKind.PROPRIETARY_LICENCE,
        SignalKind.ALL_RIGHTS_RESERVED,
        SignalKind.UNLICENSED,
        SignalKind.COMPANY_HOLDER,
        SignalKind.COMPANY_COMMITS,
        SignalKind.BILLING_SDK,
    }
)

# --- the project's own licence ----------------------------------------------------------

_OPEN = frozenset(
    {Category.PERMISSIVE, Category.COPYLEFT, Category.WEAK_COPYLEFT, Category.PUBLIC_DOMAIN}
)
_RESTRICTED = frozenset({Category.NONCOMMERCIAL, Category.COPYFAIR})
_ALL_RIGHTS = re.compile(r"\ball rights reserved\b", re.IGNORECASE)
_PROPRIETARY = re.compile(
    r"\bproprietary and confidential\b|\bconfidential and proprietary\b"
    r"|\bproprietary (?:software|licen[cs]e|information|code)\b"
    r"|\bend[- ]user licen[cs]e agreement\b"
    r"|\bunauthori[sz]ed (?:copying|use|reproduction)\b|\bstrictly prohibited\b"
    r"|\bmay not be (?:copied|reproduced|distributed|used)\b|\bcommercial licen[cs]e agreement\b",
    re.IGNORECASE,
)
# The project's own licence file; NOTICE files and third-party licence lists mostly name
# other people's code, so they are left out.
_LICENCE_FILE = re.compile(r"^(?:licen[cs]e|copying|copyright|eula|unlicense)", re.I)
_THIRD_PARTY_NAME = re.compile(r"third|3rd|vendor|dependenc|bundled|external", re.I)
_README = re.compile(r"^readme(?:\.|$)", re.IGNORECASE)


def is_licence_file(path: str) -> bool:
    """The project's licence file by its name (LICENSE, COPYING, EULA, ...; not
    LICENSE-THIRD-PARTY or NOTICE)."""
    base = posixpath.basename(path)
    return bool(_LICENCE_FILE.match(base)) and not _THIRD_PARTY_NAME.search(base)


def is_readme(path: str) -> bool:
    return bool(_README.match(posixpath.basename(path)))


def _line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def _category(licence_id: str) -> Category:
    licence = load_catalog().get(licence_id)
    return licence.category if licence is not None else Category.UNKNOWN


def project_licence_signals(
    text: str,
    path: str,
    detect: Detector | None,
    *,
    category_of: Callable[[str], Category] = _category,
    phrases_only: bool = False,
) -> list[Signal]:
    """What the project's own licence file (or README) says about commercial use.

    An open licence (permissive, copyleft, public domain) is a weak sign against
    commercial use; a non-commercial or copyfair licence likewise (the project is a
    commons); a proprietary or source-available licence, or "All rights reserved" / a
    proprietary notice outside any open licence text, points to a company's product.
    ``detect`` is the file-level detector (None: rely on the phrases alone).
    ``phrases_only`` (for a README, which may discuss any licence): report only the
    proprietary phrases, and only when no open licence is mentioned.
    """
    found = list(detect(text)) if detect is not None else []
    out: list[Signal] = []
    seen: set[str] = set()
    open_found = False
    for ev in found:
        if ev.licence in seen:
            continue
        seen.add(ev.licence)
        category = category_of(ev.licence)
        where = f"{path}:{ev.start_line}: {ev.licence} ({category})"
        if category in _OPEN:
            open_found = True
            out.append(Signal(SignalKind.OPEN_LICENCE, -0.2, f"{where}, an open licence"))
        elif category in _RESTRICTED:
            open_found = True
            out.append(
                Signal(
                    SignalKind.NONCOMMERCIAL_LICENCE,
                    -0.2,
                    f"{where}: the project is itself a commons",
                )
            )
        elif category is Category.SOURCE_AVAILABLE:
            out.append(
                Signal(
                    SignalKind.SOURCE_AVAILABLE_LICENCE,
                    0.4,
                    f"{where}: source-available licences are a company's product licences",
                )
            )
        elif category is Category.PROPRIETARY:
            out.append(Signal(SignalKind.PROPRIETARY_LICENCE, 0.6, f"{where}"))
    if open_found:
        return [] if phrases_only else out  # "All rights reserved" in a BSD licence: nothing
    if phrases_only:
        out = []
    proprietary = _PROPRIETARY.search(text)
    if proprietary is not None:
        line = _line_of(text, proprietary.start())
        out.append(
            Signal(
                SignalKind.PROPRIETARY_LICENCE,
                0.6,
                f"{path}:{line}: proprietary notice {proprietary.group(0)!r}",
            )
        )
    reserved = _ALL_RIGHTS.search(text)
    if reserved is not None:
        line = _line_of(text, reserved.start())
        out.append(
            Signal(
                SignalKind.ALL_RIGHTS_RESERVED,
                0.5,
                f"{path}:{line}: 'All rights reserved' without an open licence",
            )
        )
    return out


def project_component_signals(
    components: Iterable[Component],
    *,
    category_of_expression: Callable[[str], Category] | None = None,
) -> list[Signal]:
    """What the licence the project's own manifest declares says (the root PROJECT
    component of the inventory): open or non-commercial → weak sign against commercial
    use, proprietary or source-available → sign for it."""
    if category_of_expression is None:
        from scanners.inventory.licensing import licence_category

        category_of_expression = licence_category
    out: list[Signal] = []
    for c in components:
        if c.kind is not ComponentKind.PROJECT or not c.licence_known:
            continue
        category = category_of_expression(c.licence)
        where = c.evidence[0].path if c.evidence else c.path
        fact = f"{where}: project {c.name} declares {c.licence} ({category})"
        if category in _OPEN:
            out.append(Signal(SignalKind.OPEN_LICENCE, -0.2, f"{fact}, an open licence"))
        elif category in _RESTRICTED:
            out.append(Signal(SignalKind.NONCOMMERCIAL_LICENCE, -0.2, f"{fact}: a commons itself"))
        elif category is Category.SOURCE_AVAILABLE:
            out.append(Signal(SignalKind.SOURCE_AVAILABLE_LICENCE, 0.4, fact))
        elif category is Category.PROPRIETARY:
            out.append(Signal(SignalKind.PROPRIETARY_LICENCE, 0.6, fact))
    return out


# --- manifests --------------------------------------------------------------------------


def _json_line(text: str, key: str) -> int:
    index = text.find(f'"{key}"')
    return _line_of(text, index) if index >= 0 else 1


def _package_json(text: str, path: str) -> list[Signal]:
    try:
        data = json.loads(text)
    except ValueError:
        return []
    if not isinstance(data, dict):
        return []
    out: list[Signal] = []
    licence = data.get("license")
    if isinstance(licence, str) and licence.strip().upper() == "UNLICENSED":
        out.append(
            Signal(
                SignalKind.UNLICENSED,
                0.5,
                f'{path}:{_json_line(text, "license")}: "license": "UNLICENSED" '
                "(no licence granted: a proprietary package)",
            )
        )
    if data.get("private") is True:
        out.append(
            Signal(
                SignalKind.PRIVATE_PACKAGE,
                0.2,
                f'{path}:{_json_line(text, "private")}: "private": true (never published)',
            )
        )
    return out


def _toml_line(text: str, needle: str) -> int:
    index = text.find(needle)
    return _line_of(text, index) if index >= 0 else 1


def _pyproject(text: str, path: str) -> list[Signal]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return []
    project = data.get("project")
    if not isinstance(project, dict):
        return []
    out: list[Signal] = []
    classifiers = project.get("classifiers")
    if isinstance(classifiers, list) and "License :: Other/Proprietary License" in classifiers:
        line = _toml_line(text, "Other/Proprietary License")
        out.append(
            Signal(
                SignalKind.PROPRIETARY_LICENCE,
                0.6,
                f"{path}:{line}: classifier 'License :: Other/Proprietary License'",
            )
        )
    licence: Any = project.get("license")
    if isinstance(licence, dict):
        licence = licence.get("text")
    if isinstance(licence, str) and re.search(r"\bproprietary\b", licence, re.I):
        line = _toml_line(text, licence)
        out.append(
            Signal(SignalKind.PROPRIETARY_LICENCE, 0.6, f"{path}:{line}: license = {licence!r}")
        )
    return out


def _cargo(text: str, path: str) -> list[Signal]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return []
    package = data.get("package")
    if isinstance(package, dict) and package.get("publish") is False:
        return [
            Signal(
                SignalKind.UNPUBLISHED_CRATE,
                0.1,
                f"{path}:{_toml_line(text, 'publish')}: publish = false (never published)",
            )
        ]
    return []


def _author_names(text: str, base: str) -> list[str]:
    """The author names a root manifest declares (package.json ``author``, pyproject
    ``[project] authors`` and ``maintainers``, Cargo ``[package] authors``)."""
    names: list[str] = []
    try:
        if base == "package.json":
            data = json.loads(text)
            raw = [data.get("author")] if isinstance(data, dict) else []
        else:
            table = tomllib.loads(text).get("package" if base == "Cargo.toml" else "project")
            raw = []
            if isinstance(table, dict):
                for key in ("authors", "maintainers"):
                    value = table.get(key)
                    raw.extend(value if isinstance(value, list) else [])
    except (ValueError, tomllib.TOMLDecodeError):
        return []
    for item in raw:
        name = item.get("name") if isinstance(item, dict) else item
        if isinstance(name, str):
            name = re.sub(r"\s*[<(].*$", "", name).strip()  # "Name <email> (url)"
            if name:
                names.append(name)
    return names


def manifest_holders(text: str, path: str) -> list[Holder]:
    """The authors of the project's own manifest, classified like copyright holders (an
    author "Acme Inc." is a company)."""
    base = posixpath.basename(path)
    if base not in _MANIFESTS:
        return []
    out = []
    for name in _author_names(text, base):
        index = text.find(name)
        line = _line_of(text, index) if index >= 0 else 1
        out.append(Holder(name, classify_holder(name), line, f"author {name!r}"))
    return out


_MANIFESTS: dict[str, Callable[[str, str], list[Signal]]] = {
    "package.json": _package_json,
    "pyproject.toml": _pyproject,
    "Cargo.toml": _cargo,
}


def is_project_manifest(path: str) -> bool:
    return path in _MANIFESTS


def manifest_signals(text: str, path: str) -> list[Signal]:
    """Signals from the project's own manifest (package.json, pyproject.toml, Cargo.toml);
    malformed manifests give none (the inventory reports them)."""
    parser = _MANIFESTS.get(posixpath.basename(path))
    return parser(text, path) if parser is not None else []


# --- copyright holders ------------------------------------------------------------------

_HOLDER_SIGNALS: dict[HolderClass, tuple[SignalKind, float, str]] = {
    HolderClass.COMPANY: (SignalKind.COMPANY_HOLDER, 0.5, "a company"),
    HolderClass.COOPERATIVE: (SignalKind.COOPERATIVE_HOLDER, 0.5, "a cooperative"),
    HolderClass.NONPROFIT: (SignalKind.NONPROFIT_HOLDER, -0.3, "a non-profit"),
    HolderClass.ACADEMIC: (SignalKind.ACADEMIC_HOLDER, -0.3, "a university or institute"),
    HolderClass.PUBLIC: (SignalKind.PUBLIC_HOLDER, -0.3, "a public body"),
}


def holder_signals(holders: Iterable[tuple[str, Holder]]) -> list[Signal]:
    """One signal per distinct holder that is a company, cooperative, non-profit,
    university or public body (persons and "contributors" say nothing), from
    ``(path, holder)`` pairs; the evidence names the first place and how many more."""
    first: dict[tuple[HolderClass, str], tuple[str, Holder]] = {}
    counts: dict[tuple[HolderClass, str], int] = {}
    for path, holder in holders:
        if holder.holder_class not in _HOLDER_SIGNALS:
            continue
        key = (holder.holder_class, holder.name.casefold())
        first.setdefault(key, (path, holder))
        counts[key] = counts.get(key, 0) + 1
    out = []
    for key, (path, holder) in first.items():
        kind, weight, what = _HOLDER_SIGNALS[holder.holder_class]
        role = "author" if holder.statement.startswith("author ") else "copyright holder"
        more = counts[key] - 1
        also = f" (and {more} more statement{'s' if more > 1 else ''})" if more else ""
        out.append(
            Signal(
                kind,
                weight,
                f"{path}:{holder.line}: {role} {holder.name!r} is {what}{also}",
            )
        )
    return out


# --- deployment manifests ---------------------------------------------------------------

_EXCLUDED_DIRS = frozenset(
    {
        "node_modules", "site-packages", "dist-packages", "vendor", "third_party",
        "third-party", "thirdparty", "external", "test", "tests", "testdata", "fixtures",
        "example", "examples", "sample", "samples", "docs", "doc",
    }
)  # fmt: skip
_DOCKERFILE = re.compile(r"^(?:Dockerfile|Containerfile)(?:\..+)?$|\.dockerfile$", re.I)
_COMPOSE = re.compile(r"^(?:docker-)?compose(?:\.[\w-]+)?\.ya?ml$", re.I)
_YAML = re.compile(r"\.ya?ml$", re.I)
_K8S_KIND = re.compile(
    r"^kind:\s*[\"']?(Deployment|StatefulSet|DaemonSet|Service|Ingress|CronJob|Job|"
    r"HorizontalPodAutoscaler|Route|Gateway|HTTPRoute|KnativeService)\b",
    re.MULTILINE,
)
_API_VERSION = re.compile(r"^apiVersion:\s*\S+", re.MULTILINE)
_APP_ENGINE = re.compile(r"^runtime:\s*\S+", re.MULTILINE)
# basename -> (label, weight); all of these suggest the project runs as a service.
_SERVICE_FILES: dict[str, tuple[str, float]] = {
    "chart.yaml": ("Helm chart", 0.25),
    "serverless.yml": ("Serverless Framework config", 0.25),
    "serverless.yaml": ("Serverless Framework config", 0.25),
    "serverless.ts": ("Serverless Framework config", 0.25),
    "procfile": ("Procfile (Heroku-style process types)", 0.25),
    "fly.toml": ("Fly.io app config", 0.25),
    "render.yaml": ("Render blueprint", 0.25),
    "vercel.json": ("Vercel project config", 0.2),
    "netlify.toml": ("Netlify site config", 0.2),
    "railway.json": ("Railway config", 0.2),
    "railway.toml": ("Railway config", 0.2),
    "skaffold.yaml": ("Skaffold config", 0.2),
    "kustomization.yaml": ("Kustomize config", 0.25),
    "kustomization.yml": ("Kustomize config", 0.25),
    "template.yaml": ("AWS SAM template", 0.0),  # only with Transform: AWS::Serverless
    "app.yaml": ("Google App Engine config", 0.0),  # only with runtime:
    "app.yml": ("Google App Engine config", 0.0),
}
MAX_DEPLOYMENT_FILES = 200


def _excluded(path: str) -> bool:
    return _excluded_directory(path.rpartition("/")[0])


@lru_cache(maxsize=8192)
def _excluded_directory(directory: str) -> bool:
    """Whether files in ``directory`` are left out (decided once per directory)."""
    return bool(_EXCLUDED_DIRS.intersection(p.lower() for p in directory.split("/")))


def deployment_candidates(paths: Iterable[str]) -> list[str]:
    """The files whose contents :func:`deployment_signals` needs: YAML files that may be
    Kubernetes manifests, compose files, App Engine and SAM templates (at most
    :data:`MAX_DEPLOYMENT_FILES`, shallowest first)."""
    out = [
        p
        for p in paths
        if _YAML.search(p)
        and not _excluded(p)
        and posixpath.basename(p).lower() not in ("chart.yaml", "values.yaml")
        and "/templates/" not in f"/{p}"  # Helm templates are Go templates, not YAML
        and not posixpath.basename(p).startswith(".")
        and not p.startswith(".")
    ]
    out.sort(key=lambda p: (p.count("/"), p))
    return out[:MAX_DEPLOYMENT_FILES]


def _compose_ports(text: str) -> str | None:
    """The first published port of a compose file (``"8080:80"``), or None."""
    import yaml  # only for compose files: not imported on a cached rescan

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return None
    services = data.get("services") if isinstance(data, dict) else None
    if not isinstance(services, dict):
        return None
    for name, service in services.items():
        ports = service.get("ports") if isinstance(service, dict) else None
        if isinstance(ports, list):
            for port in ports:
                if isinstance(port, dict):
                    published = port.get("published")
                    if str(port.get("host_ip", "")).startswith(("127.", "localhost")):
                        continue
                else:
                    published = port
                if isinstance(published, str) and published.startswith(("127.", "localhost")):
                    continue  # bound to the loopback interface only
                if isinstance(published, int) or (isinstance(published, str) and ":" in published):
                    return f"service {name!r} publishes {published}"
    return None


def deployment_signals(paths: Iterable[str], texts: Mapping[str, str]) -> list[Signal]:
    """Deployment manifests among ``paths`` (``texts`` holds the contents of the
    :func:`deployment_candidates`): each kind once, with its first file and a count.
    A Dockerfile alone is only a weak hint; with a deployment manifest it is a ``saas``
    one. Paths under tests, examples, docs and third-party directories are ignored."""
    found: dict[str, list[str]] = {}  # label -> paths
    weights: dict[str, float] = {}
    dockerfiles: list[str] = []
    for path in paths:
        if _excluded(path):
            continue
        base = posixpath.basename(path)
        lower = base.lower()
        if _DOCKERFILE.search(base):
            dockerfiles.append(path)
            continue
        if lower.endswith(".tf") or lower.endswith(".tf.json"):
            label, weight = "Terraform configuration", 0.2
        elif lower in _SERVICE_FILES:
            label, weight = _SERVICE_FILES[lower]
            text = texts.get(path, "")
            if lower.startswith("app.") and _APP_ENGINE.search(text):
                weight = 0.25
            elif lower == "template.yaml" and "AWS::Serverless" in text:
                label, weight = "AWS SAM template", 0.25
            if weight == 0.0:
                continue
        elif _COMPOSE.match(base):
            published = _compose_ports(texts.get(path, ""))
            if published is None:
                continue
            label, weight = f"compose file with public ports ({published})", 0.15
        elif path in texts and _API_VERSION.search(texts[path]):
            match = _K8S_KIND.search(texts[path])
            if match is None:
                continue
            label, weight = "Kubernetes manifest", 0.25
        else:
            continue
        found.setdefault(label, []).append(path)
        weights[label] = weight
    out: list[Signal] = []
    for label, where in found.items():
        more = f" (and {len(where) - 1} more)" if len(where) > 1 else ""
        out.append(
            Signal(
                SignalKind.DEPLOYMENT,
                weights[label],
                f"{where[0]}: {label}{more}: the project is deployed as a service",
                UseKind.SAAS,
            )
        )
    if dockerfiles:
        more = f" (and {len(dockerfiles) - 1} more)" if len(dockerfiles) > 1 else ""
        if found:
            out.insert(
                0,
                Signal(
                    SignalKind.CONTAINER_IMAGE,
                    0.1,
                    f"{dockerfiles[0]}{more}: container image deployed with "
                    f"{', '.join(sorted(found))}",
                    UseKind.SAAS,
                ),
            )
        else:
            out.append(
                Signal(
                    SignalKind.CONTAINER_IMAGE,
                    0.05,
                    f"{dockerfiles[0]}{more}: container image (no deployment manifest)",
                )
            )
    return out


# --- dependencies -----------------------------------------------------------------------


def dependency_signals(
    components: Iterable[Component], categories: Sequence[SdkCategory] | None = None
) -> list[Signal]:
    """Billing, payment, advertising and analytics SDKs among the dependencies, one signal
    per package; development-only dependencies count half."""
    categories = sdk_categories() if categories is None else categories
    out: list[Signal] = []
    seen: set[tuple[str, str]] = set()
    for component in components:
        if component.kind is ComponentKind.PROJECT or component.ecosystem is None:
            continue
        name = normalise_package(component.ecosystem, component.name)
        for category in categories:
            if name not in category.packages.get(component.ecosystem, frozenset()):
                continue
            if (category.name, name) in seen:
                break
            seen.add((category.name, name))
            dev = component.scope is Scope.DEV
            weight = category.weight * (0.5 if dev else 1.0)
            where = component.evidence[0].path if component.evidence else component.path
            line = component.evidence[0].line if component.evidence else None
            at = f"{where}:{line}" if line is not None else where
            scope = " (development only)" if dev else ""
            out.append(
                Signal(
                    SignalKind.BILLING_SDK,
                    weight,
                    f"{at}: dependency {component.name} ({component.ecosystem}) is a "
                    f"{category.label}{scope}",
                )
            )
            break
    return out


# --- AI training code -------------------------------------------------------------------

_TRAINING: tuple[tuple[str, re.Pattern[str], re.Pattern[str] | None], ...] = (
    (
        "transformers/TRL Trainer",
        re.compile(
            r"\b(?:Trainer|Seq2SeqTrainer|SFTTrainer|DPOTrainer|ORPOTrainer|KTOTrainer|"
            r"GRPOTrainer|PPOTrainer|RewardTrainer)\s*\("
        ),
        re.compile(r"^\s*(?:from|import)\s+(?:transformers|trl|setfit)\b", re.MULTILINE),
    ),
    (
        "Lightning Trainer.fit",
        re.compile(r"\.fit\s*\("),
        re.compile(r"^\s*(?:from|import)\s+(?:pytorch_lightning|lightning)\b", re.MULTILINE),
    ),
    (
        "Keras model.fit",
        re.compile(r"\.fit\s*\("),
        re.compile(r"^\s*(?:from|import)\s+(?:keras|tensorflow|tf_keras)\b", re.MULTILINE),
    ),
    (
        "PyTorch training loop",
        re.compile(r"\.backward\s*\([^)]*\)[\s\S]{0,2000}?\.step\s*\(\s*\)"),
        None,
    ),
)
_DATASET_READ = re.compile(
    r"\b(?:load_dataset|load_from_disk|tfds\.load|dataset_download|"
    r"torchvision\.datasets\.\w+|ImageFolder|read_parquet|read_csv|read_json|"
    r"Dataset\.from_\w+|DataLoader|webdataset|WebDataset|image_dataset_from_directory|"
    r"text_dataset_from_directory)\s*\("
)
_TRAINING_PREFILTER = ("Trainer", ".fit", ".backward")
# The same words in one pass over a file's bytes, ASCII case ignored: a file without any
# of them is not decoded (most of the up to 5,000 code files a tree has).
_TRAINING_BYTES = AnyKeyword([k.lower().encode() for k in _TRAINING_PREFILTER])


def is_training_candidate(path: str) -> bool:
    return path.endswith((".py", ".ipynb")) and not _excluded(path)


def may_train(data: bytes) -> bool:
    """Whether a code file's bytes may hold training code (:func:`training_signals` finds
    nothing in the others)."""
    return _TRAINING_BYTES.found_in(data)


def notebook_code(text: str) -> str | None:
    """The code cells of a Jupyter notebook joined in order (None: not a notebook)."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    cells = data.get("cells") if isinstance(data, dict) else None
    if not isinstance(cells, list):
        return None
    parts: list[str] = []
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source")
        if isinstance(source, list):
            source = "".join(str(x) for x in source)
        if isinstance(source, str):
            parts.append(source)
    return "\n".join(parts)


def training_signals(text: str, path: str, datasets: Sequence[str] = ()) -> list[Signal]:
    """AI training code in one Python file or notebook: a transformers/TRL ``Trainer``, a
    Lightning or Keras ``fit``, or a PyTorch loop (``loss.backward()`` then
    ``optimizer.step()``). Stronger when the file reads a dataset: ``datasets`` names the
    dataset components the inventory found loaded by this file; a ``load_dataset(``,
    ``DataLoader(``, ``read_parquet(`` ... call counts too."""
    if not any(k in text for k in _TRAINING_PREFILTER):
        return []
    at = f"{path}:"
    if path.endswith(".ipynb"):
        code = notebook_code(text)
        if code is None:
            return []
        text, at = code, f"{path}: code line "
    for label, pattern, needs in _TRAINING:
        if needs is not None and needs.search(text) is None:
            continue
        match = pattern.search(text)
        if match is None:
            continue
        line = _line_of(text, match.start())
        read = _DATASET_READ.search(text)
        if datasets:
            reads = f"; reads dataset {', '.join(datasets)}"
        elif read is not None:
            call = read.group(0).rstrip("( ")
            reads = f"; reads data ({call} at line {_line_of(text, read.start())})"
        else:
            reads = ""
        weight = 0.15 if reads else 0.05
        return [
            Signal(
                SignalKind.AI_TRAINING,
                weight,
                f"{at}{line}: {label}{reads}",
                UseKind.AI_TRAINING,
            )
        ]
    return []
