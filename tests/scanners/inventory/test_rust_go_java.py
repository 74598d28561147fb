from __future__ import annotations

from scanners.inventory.go import parse_go_mod, parse_go_sum, parse_vendor_modules
from scanners.inventory.java import parse_pom
from scanners.inventory.model import NOASSERTION, ComponentKind, Scope
from scanners.inventory.rust import parse_cargo_lock, parse_cargo_toml

from .helpers import by_name, fixture


def test_cargo_toml() -> None:
    found = by_name(parse_cargo_toml(fixture("rust/Cargo.toml"), "Cargo.toml"))
    crate = found["ripcopy"]
    assert crate.kind is ComponentKind.PROJECT
    assert crate.licence == "MIT OR Apache-2.0"  # the legacy "MIT/Apache-2.0" form
    assert crate.purl == "pkg:cargo/ripcopy@0.5.2"
    assert "local-helper" not in found  # a path dependency is this repository's own
    assert found["regex"].version == "1.10.3"
    assert found["serde"].version is None
    assert found["tokio"].scope is Scope.OPTIONAL
    assert found["criterion"].scope is Scope.DEV
    assert "winapi" in found


def test_vendored_crate_with_a_licence_file() -> None:
    path = "vendor/inhouse/Cargo.toml"
    (crate,) = parse_cargo_toml(fixture("rust/Cargo-licence-file.toml"), path).components
    assert crate.kind is ComponentKind.VENDORED
    assert crate.path == "vendor/inhouse"
    assert crate.licence == NOASSERTION
    assert crate.licence_files == ("vendor/inhouse/LICENSE-PPL.txt",)


def test_cargo_lock_lists_registry_crates_only() -> None:
    found = by_name(parse_cargo_lock(fixture("rust/Cargo.lock"), "Cargo.lock"))
    assert set(found) == {"regex", "serde"}
    assert found["serde"].version == "1.0.197"


def test_go_mod() -> None:
    found = by_name(parse_go_mod(fixture("go/go.mod"), "go.mod"))
    assert found["github.com/acme/tool"].kind is ComponentKind.PROJECT
    errors = found["github.com/pkg/errors"]
    assert errors.version == "v0.9.1"
    assert errors.purl == "pkg:golang/github.com/pkg/errors@v0.9.1"
    assert errors.evidence[0].line == 7
    assert "indirect" in (found["golang.org/x/text"].evidence[0].detail or "")
    assert "github.com/old/thing" not in found


def test_go_sum_skips_go_mod_only_lines() -> None:
    found = by_name(parse_go_sum(fixture("go/go.sum"), "go.sum"))
    assert found["golang.org/x/text"].version == "v0.14.0"
    assert len(found) == 3


def test_vendor_modules_txt() -> None:
    found = by_name(parse_vendor_modules(fixture("go/modules.txt"), "vendor/modules.txt"))
    assert set(found) == {"github.com/pkg/errors", "golang.org/x/text"}
    assert found["github.com/pkg/errors"].path == "vendor/github.com/pkg/errors"
    assert found["github.com/pkg/errors"].kind is ComponentKind.VENDORED


def test_pom() -> None:
    found = by_name(parse_pom(fixture("java/pom.xml"), "pom.xml"))
    project = found["org.acme:acme-core"]
    assert project.version == "3.1.0"  # from <parent>
    assert project.licence == "Apache-2.0"
    assert project.purl == "pkg:maven/org.acme/acme-core@3.1.0"
    assert "LICENSE-2.0.txt" in (project.evidence[0].detail or "")
    assert found["com.google.guava:guava"].version == "33.0.0-jre"
    junit = found["org.junit.jupiter:junit-jupiter"]
    assert junit.version is None  # ${junit.version} is not resolved
    assert junit.scope is Scope.DEV


def test_pom_entities_are_never_expanded() -> None:
    inventory = parse_pom(fixture("java/pom-xxe.xml"), "pom.xml")
    assert inventory.components == ()
    (skip,) = inventory.skipped
    assert "refused" in skip.reason


def test_malformed_rust_go_java_files_are_skipped() -> None:
    assert parse_cargo_toml("[package\n", "Cargo.toml").skipped[0].reason.startswith("TOML")
    assert parse_cargo_lock("[[package]\n", "Cargo.lock").skipped[0].reason.startswith("TOML")
    assert (
        parse_go_sum("garbage\n", "go.sum").skipped[0].reason
        == "go.sum parse error at line 1: 'garbage'"
    )
    assert (
        parse_go_mod("require a\n", "go.mod")
        .skipped[0]
        .reason.startswith("go.mod parse error at line 1")
    )
    (skip,) = parse_pom("<project><a></project>", "pom.xml").skipped
    assert skip.reason.startswith("XML parse error at line 1, column 15")
