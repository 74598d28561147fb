from __future__ import annotations

from scanners.inventory.javascript import (
    parse_package_json,
    parse_package_lock,
    parse_pnpm_lock,
    parse_yarn_lock,
)
from scanners.inventory.model import NOASSERTION, ComponentKind, EvidenceMethod, Scope

from .helpers import by_name, fixture


def test_package_json_project_with_scoped_purls() -> None:
    found = by_name(parse_package_json(fixture("js/package.json"), "package.json"))
    app = found["@acme/web-app"]
    assert app.kind is ComponentKind.PROJECT
    assert app.purl == "pkg:npm/%40acme/web-app@1.2.3"
    assert app.licence == NOASSERTION
    assert app.licence_files == ("LICENSE.txt",)
    assert "private" in (app.licence_reason or "")
    assert found["@types/node"].purl == "pkg:npm/%40types/node"
    assert found["react"].version == "18.2.0"
    assert found["react"].scope is Scope.RUNTIME
    assert found["typescript"].scope is Scope.DEV
    assert found["react-dom"].scope is Scope.OPTIONAL
    assert found["left-pad"].version is None


def test_installed_package_json_uses_legacy_licences_and_lists_no_dependencies() -> None:
    path = "node_modules/old-lib/package.json"
    inventory = parse_package_json(fixture("js/package-legacy.json"), path)
    (component,) = inventory.components
    assert component.kind is ComponentKind.DEPENDENCY
    assert component.path == "node_modules/old-lib"
    assert component.licence == "MIT OR Apache-2.0"
    assert component.evidence[0].method is EvidenceMethod.PACKAGE_METADATA


def test_licence_object_and_unlicensed() -> None:
    (legacy,) = parse_package_json(
        '{"name": "a", "version": "1.0.0", "license": {"type": "ISC"}}', "x/package.json"
    ).components
    assert legacy.licence == "ISC"
    (closed,) = parse_package_json(
        '{"name": "b", "license": "UNLICENSED"}', "package.json"
    ).components
    assert closed.licence == NOASSERTION
    assert "UNLICENSED" in (closed.licence_reason or "")


def test_package_lock_v3_records_licences() -> None:
    found = by_name(parse_package_lock(fixture("js/package-lock-v3.json"), "package-lock.json"))
    assert set(found) == {"react", "@types/node", "loose-envify", "js-tokens"}
    assert found["react"].licence == "MIT"
    assert found["react"].evidence[0].method is EvidenceMethod.LOCKFILE
    assert found["react"].evidence[0].line == 12
    assert found["@types/node"].scope is Scope.DEV
    assert found["@types/node"].purl == "pkg:npm/%40types/node@20.11.5"
    assert found["js-tokens"].scope is Scope.OPTIONAL
    assert found["js-tokens"].licence == NOASSERTION


def test_package_lock_v1_nested_dependencies() -> None:
    found = by_name(parse_package_lock(fixture("js/package-lock-v1.json"), "package-lock.json"))
    assert found["ms"].version == "2.0.0"
    assert found["mocha"].scope is Scope.DEV
    assert found["debug"].version == "2.6.9"


def test_yarn_classic() -> None:
    found = by_name(parse_yarn_lock(fixture("js/yarn-v1.lock"), "yarn.lock"))
    assert found["@babel/code-frame"].version == "7.12.13"
    assert found["@babel/code-frame"].evidence[0].line == 5
    assert found["lodash"].version == "4.17.21"
    assert len(found) == 2


def test_yarn_berry_leaves_out_workspaces() -> None:
    inventory = parse_yarn_lock(fixture("js/yarn-berry.lock"), "yarn.lock")
    found = by_name(inventory)
    assert set(found) == {"@babel/code-frame", "lodash"}
    assert found["@babel/code-frame"].version == "7.23.5"
    assert not inventory.skipped


def test_pnpm_v5() -> None:
    found = by_name(parse_pnpm_lock(fixture("js/pnpm-lock-v5.yaml"), "pnpm-lock.yaml"))
    assert found["react"].version == "18.2.0"
    assert found["@emotion/react"].version == "11.11.1"
    assert found["@emotion/react"].scope is Scope.DEV


def test_pnpm_v6() -> None:
    found = by_name(parse_pnpm_lock(fixture("js/pnpm-lock-v6.yaml"), "pnpm-lock.yaml"))
    assert found["@types/node"].version == "20.11.5"
    assert found["@types/node"].scope is Scope.DEV
    assert found["react-dom"].version == "18.2.0"  # peer suffix removed
    assert found["loose-envify"].scope is Scope.RUNTIME


def test_pnpm_v9() -> None:
    found = by_name(parse_pnpm_lock(fixture("js/pnpm-lock-v9.yaml"), "pnpm-lock.yaml"))
    assert set(found) == {"@babel/core", "react-dom"}
    assert found["@babel/core"].purl == "pkg:npm/%40babel/core@7.24.0"
    assert found["@babel/core"].evidence[0].line == 17


def test_malformed_javascript_files_are_skipped_with_the_location() -> None:
    (skip,) = parse_package_json('{"name": }', "package.json").skipped
    assert skip.reason == "JSON parse error at line 1, column 10: Expecting value"
    assert parse_package_lock("[1", "package-lock.json").skipped[0].reason.startswith("JSON")
    pnpm = parse_pnpm_lock("packages:\n  - a: [\n", "pnpm-lock.yaml")
    assert pnpm.skipped[0].reason.startswith("YAML parse error at line 3")
    yarn = parse_yarn_lock('a@^1:\n  version "1.0.0"\nnot an entry\n', "yarn.lock")
    assert yarn.skipped[0].reason.startswith("yarn.lock parse error at line 3")
    assert [c.name for c in yarn.components] == ["a"]
