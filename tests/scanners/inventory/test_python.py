from __future__ import annotations

from scanners.inventory.model import NOASSERTION, ComponentKind, EvidenceMethod, Scope
from scanners.inventory.python import (
    parse_distribution_metadata,
    parse_pipfile_lock,
    parse_poetry_lock,
    parse_pyproject,
    parse_requirements,
    parse_uv_lock,
    requirements_scope,
)

from .helpers import by_name, fixture


def test_pyproject_pep639_expression_and_licence_files() -> None:
    found = by_name(parse_pyproject(fixture("python/pyproject-pep639.toml"), "pyproject.toml"))
    project = found["sample-tool"]
    assert project.kind is ComponentKind.PROJECT
    assert project.path == "."
    assert project.version == "1.4.0"
    assert project.purl == "pkg:pypi/sample-tool@1.4.0"
    assert project.licence == "MIT OR Apache-2.0"
    assert project.licence_files == ("LICENSES/*.txt", "NOTICE")
    assert project.evidence[0].method is EvidenceMethod.MANIFEST
    assert project.evidence[0].line == 8


def test_pyproject_dependencies_with_scopes_pins_and_markers() -> None:
    found = by_name(parse_pyproject(fixture("python/pyproject-pep639.toml"), "pyproject.toml"))
    assert found["requests"].version is None
    assert found["requests"].scope is Scope.RUNTIME
    assert found["requests"].licence == NOASSERTION
    assert found["requests"].licence_reason == "not installed or vendored"
    assert found["requests"].path == "pyproject.toml"
    assert found["attrs"].version == "23.2.0"
    assert found["attrs"].purl == "pkg:pypi/attrs@23.2.0"
    assert "tomli" in found
    assert found["pyyaml"].scope is Scope.OPTIONAL
    assert found["pytest"].scope is Scope.DEV
    assert found["ruff"].scope is Scope.DEV


def test_legacy_licence_table_and_vendored_subpackage() -> None:
    inventory = parse_pyproject(
        fixture("python/pyproject-legacy.toml"), "third_party/old/pyproject.toml"
    )
    (component,) = inventory.components
    assert component.kind is ComponentKind.VENDORED
    assert component.path == "third_party/old"
    assert component.licence == "BSD-3-Clause"


def test_licence_file_table_points_at_the_file() -> None:
    text = '[project]\nname = "x"\nversion = "1"\nlicense = {file = "COPYING"}\n'
    (component,) = parse_pyproject(text, "sub/pyproject.toml").components
    assert component.licence == NOASSERTION
    assert component.licence_files == ("sub/COPYING",)
    assert "COPYING" in (component.licence_reason or "")


def test_poetry_project() -> None:
    found = by_name(parse_pyproject(fixture("python/pyproject-poetry.toml"), "pyproject.toml"))
    assert found["poetry-app"].licence == "GPL-3.0-or-later"
    assert "python" not in found
    assert found["flask"].scope is Scope.RUNTIME
    assert found["pendulum"].scope is Scope.OPTIONAL
    assert found["pendulum"].version == "3.0.0"
    assert found["black"].scope is Scope.DEV


def test_requirements_pins_hashes_markers_urls_and_includes() -> None:
    inventory, includes = parse_requirements(fixture("python/requirements.txt"), "requirements.txt")
    found = by_name(inventory)
    assert includes == ("requirements-base.txt",)
    assert found["requests"].version == "2.31.0"
    assert found["requests"].evidence[0].line == 4
    assert found["urllib3"].version is None
    assert found["pywin32"].version == "306"
    assert found["django"].version is None
    assert "mypkg" in found
    assert "editable-pkg" in found
    assert set(found) == {"requests", "urllib3", "pywin32", "django", "mypkg", "editable-pkg"}
    (bad,) = inventory.skipped
    assert bad.reason.startswith("requirements parse error at line 13")


def test_requirements_scope_from_the_file_name() -> None:
    assert requirements_scope("requirements.txt") is Scope.RUNTIME
    assert requirements_scope("requirements-dev.txt") is Scope.DEV
    assert requirements_scope("requirements/test.txt") is Scope.DEV


def test_poetry_lock() -> None:
    found = by_name(parse_poetry_lock(fixture("python/poetry.lock"), "poetry.lock"))
    assert found["flask"].version == "3.0.2"
    assert found["flask"].evidence[0].method is EvidenceMethod.LOCKFILE
    assert found["black"].scope is Scope.DEV


def test_uv_lock_leaves_out_the_project_itself() -> None:
    found = by_name(parse_uv_lock(fixture("python/uv.lock"), "uv.lock"))
    assert set(found) == {"certifi"}
    assert found["certifi"].version == "2024.2.2"


def test_pipfile_lock() -> None:
    found = by_name(parse_pipfile_lock(fixture("python/Pipfile.lock"), "Pipfile.lock"))
    assert found["idna"].version == "3.6"
    assert found["idna"].scope is Scope.RUNTIME
    assert found["pytest"].scope is Scope.DEV


def test_installed_metadata_licence_expression() -> None:
    path = ".venv/lib/python3.11/site-packages/modern_pkg-2.1.0.dist-info/METADATA"
    (component,) = parse_distribution_metadata(fixture("python/METADATA-pep639"), path).components
    assert component.name == "modern-pkg"
    assert component.licence == "Apache-2.0 OR BSD-2-Clause"
    assert component.kind is ComponentKind.DEPENDENCY
    assert component.path == path.removesuffix("/METADATA")
    assert component.evidence[0].method is EvidenceMethod.PACKAGE_METADATA
    assert component.licence_files[0].endswith("modern_pkg-2.1.0.dist-info/licenses/LICENSE.APACHE")


def test_installed_metadata_classifiers() -> None:
    text = fixture("python/METADATA-classifiers")
    (component,) = parse_distribution_metadata(text, "classic-1.0.dist-info/METADATA").components
    assert component.licence == "LGPL-3.0-or-later AND MIT"
    assert {e.method for e in component.evidence} == {EvidenceMethod.CLASSIFIER}


def test_installed_metadata_without_a_licence() -> None:
    text = fixture("python/METADATA-licence-file")
    (component,) = parse_distribution_metadata(text, "bare-0.1.dist-info/METADATA").components
    assert component.licence == NOASSERTION
    assert component.licence_reason == "no licence in the package metadata"
    assert component.licence_files == ("bare-0.1.dist-info/licenses/LICENSE",)


def test_malformed_python_files_are_skipped_with_the_location() -> None:
    (skip,) = parse_pyproject("[project\nname = 1", "pyproject.toml").skipped
    assert skip.path == "pyproject.toml"
    assert skip.reason.startswith("TOML parse error at line 1")
    assert parse_poetry_lock("[[package]\n", "poetry.lock").skipped[0].reason.startswith("TOML")
    assert parse_pipfile_lock("{", "Pipfile.lock").skipped[0].reason.startswith("JSON")
    assert parse_distribution_metadata("", "x.dist-info/METADATA").skipped
