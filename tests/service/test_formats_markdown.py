from __future__ import annotations

from service.formats.markdown import MarkdownFormat, cell
from tests.service.format_fixtures import report


def test_attention_table_first_and_cells_escaped() -> None:
    text = MarkdownFormat().render(report())
    assert text.startswith("## copyfair licence report\n")
    assert "### 5 components need attention" in text
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    assert rows[1].startswith("| copyfair | peer-lib |")
    assert "odd\\|name 0.1" in text  # a pipe in a name cannot break the table
    assert "<details><summary>1 skipped</summary>" in text


def test_cell_escapes_markup() -> None:
    assert cell("a|b\n<script>") == "a\\|b \\<script\\>"
