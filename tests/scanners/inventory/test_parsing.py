from __future__ import annotations

import pytest

from scanners.inventory.parsing import (
    ParseFailure,
    front_matter,
    load_json,
    load_toml,
    load_xml,
    load_yaml,
)


def test_json_error_has_line_and_column() -> None:
    with pytest.raises(ParseFailure, match=r"^JSON parse error at line 2, column 4: "):
        load_json('{"a":\n 1,,}')


def test_toml_error_has_line_and_column() -> None:
    with pytest.raises(ParseFailure, match=r"^TOML parse error at line 2, column 4: "):
        load_toml("a = 1\nb =\n")


def test_toml_error_at_end_of_document_names_the_last_line() -> None:
    with pytest.raises(ParseFailure, match=r"^TOML parse error at line 2, column 1: "):
        load_toml("x = [1,\n")


def test_yaml_error_has_line_and_column() -> None:
    with pytest.raises(ParseFailure, match=r"^YAML parse error at line 2, column \d+: "):
        load_yaml("a: [1\nb: 2")


def test_yaml_is_loaded_safely() -> None:
    with pytest.raises(ParseFailure, match="YAML parse error"):
        load_yaml("a: !!python/object/apply:os.system ['true']")


def test_xml_error_has_line_and_column() -> None:
    with pytest.raises(ParseFailure, match=r"^XML parse error at line 1, column 9: "):
        load_xml("<a><b></a>")


def test_xml_entities_are_refused() -> None:
    billion_laughs = '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa">]><l>&a;&a;</l>'
    with pytest.raises(ParseFailure, match="refused"):
        load_xml(billion_laughs)


def test_front_matter() -> None:
    assert front_matter("---\nlicense: mit\n---\n# Title") == ("license: mit", 2)
    assert front_matter("# Title\n---\n") is None
    assert front_matter("---\nno end") is None
