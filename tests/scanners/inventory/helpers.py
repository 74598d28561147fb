"""Shared helpers for the inventory tests: fixture files and component lookup."""

from __future__ import annotations

from pathlib import Path

from scanners.inventory.model import Component, Inventory

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def by_name(inventory: Inventory) -> dict[str, Component]:
    """Components by name; fails on duplicates so tests notice unexpected ones."""
    out: dict[str, Component] = {}
    for component in inventory.components:
        assert component.name not in out, f"duplicate component {component.name}"
        out[component.name] = component
    return out
