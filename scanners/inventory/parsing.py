"""Safe loading of JSON, TOML, YAML and XML; a parse failure becomes a reason string.

Every loader returns the parsed value or raises :class:`ParseFailure` whose message reads
``"<format> parse error at line L, column C: <what>"`` (the location when the parser gives
one); parsers turn it into a :class:`~scanners.model.Skipped` entry. YAML is loaded with the
safe loader (the C one when available); XML with ``defusedxml`` (no entity expansion, no
external entities, no DTD retrieval).
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable
from functools import cache
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from scanners.model import Skipped

# PyYAML and defusedxml are imported when a YAML or XML file is first parsed: most trees
# have none, and importing them cost every scan 20 ms.


@cache
def _yaml_loader() -> Any:
    """The C loader when PyYAML was built with libyaml (about 10x faster); both are safe."""
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_TOML_END = re.compile(r"\s*\(at end of document\)\s*$")


class ParseFailure(Exception):
    """A file could not be parsed; ``str(exc)`` is the reason reported to the user."""

    def skipped(self, path: str) -> Skipped:
        return Skipped(path, str(self))


def _message(fmt: str, what: str, line: int | None = None, column: int | None = None) -> str:
    where = f" at line {line}, column {column}" if line is not None and column is not None else ""
    return f"{fmt} parse error{where}: {what}"


def load_json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseFailure(_message("JSON", exc.msg, exc.lineno, exc.colno)) from exc
    except RecursionError as exc:
        raise ParseFailure(_message("JSON", "nested too deeply")) from exc


def load_mapping(load: Callable[[str], Any], text: str, not_mapping: str) -> dict[Any, Any]:
    """``load(text)`` when it is a mapping (a JSON object, a YAML mapping); else
    :class:`ParseFailure` with the reason ``not_mapping``."""
    data = load(text)
    if not isinstance(data, dict):
        raise ParseFailure(not_mapping)
    return data


def load_toml(text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = _TOML_POSITION.search(msg)
        if m:
            what = msg[: m.start()]
            raise ParseFailure(_message("TOML", what, int(m.group(1)), int(m.group(2)))) from exc
        end = _TOML_END.search(msg)
        if end:
            last = text.rsplit("\n", 1)[-1]
            line, column = text.count("\n") + 1, len(last) + 1
            raise ParseFailure(_message("TOML", msg[: end.start()], line, column)) from exc
        raise ParseFailure(_message("TOML", msg)) from exc


def load_yaml(text: str) -> Any:
    import yaml

    try:
        return yaml.load(text, Loader=_yaml_loader())  # noqa: S506 - a safe loader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = " ".join(x for x in (exc.context, exc.problem) if x) or "invalid YAML"
        if mark is not None:
            raise ParseFailure(_message("YAML", what, mark.line + 1, mark.column + 1)) from exc
        raise ParseFailure(_message("YAML", what)) from exc
    except yaml.YAMLError as exc:
        raise ParseFailure(_message("YAML", str(exc) or "invalid YAML")) from exc
    except RecursionError as exc:
        raise ParseFailure(_message("YAML", "nested too deeply")) from exc


def load_xml(text: str | bytes) -> Element:
    import defusedxml.ElementTree as SafeET
    from defusedxml import DefusedXmlException

    try:
        root: Element = SafeET.fromstring(text)
    except ParseError as exc:
        line, column = exc.position
        what = str(exc).split(":", 1)[0]
        raise ParseFailure(_message("XML", what, line, column + 1)) from exc
    except DefusedXmlException as exc:
        raise ParseFailure(_message("XML", f"refused: {exc}")) from exc
    return root


def front_matter(text: str) -> tuple[str, int] | None:
    """The YAML front matter of a Markdown file (between two ``---`` lines at the top)
    and the line number of its first line; None when there is none."""
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return None
    for i in range(1, len(lines)):
        if lines[i].strip() in ("---", "..."):
            return "\n".join(lines[1:i]), 2
    return None


def line_of(text: str, needle: str, start: int = 0) -> int | None:
    """The 1-based line of the first occurrence of ``needle`` at or after ``start``."""
    index = text.find(needle, start)
    if index < 0:
        return None
    return text.count("\n", 0, index) + 1
