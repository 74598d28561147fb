from __future__ import annotations

import os
from pathlib import Path

from scanners.inventory.datasets import (
    datasets_in_code,
    hugging_face_cache_card,
    interpret_url,
    is_data_file,
    parse_datapackage,
    parse_dcat_rdf_xml,
    parse_hugging_face_card,
    parse_json_ld,
    parse_kaggle_metadata,
)
from scanners.inventory.model import NOASSERTION, ComponentKind, EvidenceMethod

from .helpers import by_name, fixture


def test_hugging_face_card_with_other_licence() -> None:
    (card,) = parse_hugging_face_card(
        fixture("datasets/README-card.md"), "data/acme/README.md"
    ).components
    assert card.kind is ComponentKind.DATASET
    assert card.name == "Acme Reviews"
    assert card.path == "data/acme"
    assert card.licence == "LicenseRef-hf-acme-research-licence"
    evidence = card.evidence[0]
    assert evidence.method is EvidenceMethod.DATASET_CARD
    assert evidence.line == 5
    assert "https://acme.example/licence" in (evidence.detail or "")


def test_hugging_face_card_with_a_hub_id() -> None:
    (card,) = parse_hugging_face_card(fixture("datasets/README-nc.md"), "sums/README.md").components
    assert card.licence == "CC-BY-NC-4.0"


def test_model_cards_and_plain_readmes_are_not_datasets() -> None:
    assert (
        parse_hugging_face_card(fixture("datasets/README-model.md"), "README.md").components == ()
    )
    assert parse_hugging_face_card("# Hello\n", "README.md").components == ()


def test_card_without_a_licence_name_is_noassertion() -> None:
    text = "---\nlicense: other\ntask_categories: [translation]\n---\n"
    (card,) = parse_hugging_face_card(text, "d/README.md").components
    assert card.licence == NOASSERTION
    assert "license_name" in (card.licence_reason or "")


def test_broken_card_front_matter_is_skipped_with_the_file_line() -> None:
    (skip,) = parse_hugging_face_card("---\nlicense: [\n---\n", "d/README.md").skipped
    assert skip.reason.startswith("dataset card front matter: YAML parse error at line 3")


def test_datapackage() -> None:
    (package,) = parse_datapackage(
        fixture("datasets/datapackage.json"), "trees/datapackage.json"
    ).components
    assert package.name == "city-trees"
    assert package.version == "1.1.0"
    assert package.licence == "ODbL-1.0"
    assert package.path == "trees"


def test_croissant() -> None:
    (dataset,) = parse_json_ld(fixture("datasets/croissant.json"), "croissant.json").components
    assert dataset.name == "fashion_mnist_sample"
    assert dataset.licence == "CC-BY-SA-4.0"
    assert dataset.path == "."


def test_dcat_json_ld_graph() -> None:
    (dataset,) = parse_json_ld(fixture("datasets/dcat.jsonld"), "meta/dcat.jsonld").components
    assert dataset.name == "Air quality"
    assert dataset.licence == "CC-BY-4.0"


def test_json_ld_without_a_dataset_gives_nothing() -> None:
    assert parse_json_ld('{"@type": "SoftwareApplication"}', "x.jsonld") == parse_json_ld("[]", "y")


def test_dcat_rdf_xml() -> None:
    found = by_name(parse_dcat_rdf_xml(fixture("datasets/catalog.rdf"), "catalog.rdf"))
    assert found["Noise levels"].licence == "CC-BY-NC-SA-4.0"
    assert found["Parks"].licence == "CC0-1.0"  # from its distribution


def test_kaggle_metadata() -> None:
    inventory = parse_kaggle_metadata(
        fixture("datasets/dataset-metadata.json"), "w/dataset-metadata.json"
    )
    (dataset,) = inventory.components
    assert dataset.name == "someone/global-weather"
    assert dataset.licence == "CC-BY-NC-SA-4.0"
    assert (
        dataset.purl
        == "pkg:generic/someone/global-weather?repository_url=https://www.kaggle.com/datasets"
    )


def test_datasets_loaded_by_code() -> None:
    found = by_name(datasets_in_code(fixture("datasets/train.py.txt"), "train.py"))
    assert set(found) == {"rajpurkar/squad", "acme/acme-reviews", "someone/global-weather", "mnist"}
    squad = found["rajpurkar/squad"]
    assert squad.kind is ComponentKind.DATASET
    assert squad.licence == NOASSERTION
    assert (
        squad.purl
        == "pkg:huggingface/rajpurkar/squad?repository_url=https://huggingface.co/datasets"
    )
    assert squad.evidence[0].method is EvidenceMethod.CODE_REFERENCE
    assert squad.evidence[0].line == 6
    assert found["someone/global-weather"].version == "2"
    assert found["mnist"].version == "3.0.1"


def test_notebook_references_are_found_in_escaped_json() -> None:
    notebook = '{"cells": [{"source": ["ds = load_dataset(\\"imdb\\")\\n"]}]}'
    assert [c.name for c in datasets_in_code(notebook, "nb.ipynb").components] == ["imdb"]


def test_licence_urls() -> None:
    assert (
        interpret_url("https://creativecommons.org/licenses/by-nc-nd/4.0/").expression
        == "CC-BY-NC-ND-4.0"
    )
    assert (
        interpret_url("http://creativecommons.org/licenses/by/3.0/de/").expression == "CC-BY-3.0-DE"
    )
    assert interpret_url("https://spdx.org/licenses/MIT.html").expression == "MIT"
    assert interpret_url("https://example.com/terms").expression is None


def test_data_files() -> None:
    assert is_data_file("data/train-00000.parquet")
    assert is_data_file("img/cat.JPG")
    assert not is_data_file("src/main.py")


def test_hugging_face_cache_card(tmp_path: Path) -> None:
    old = tmp_path / "datasets--org--name" / "snapshots" / "aaa"
    new = tmp_path / "datasets--org--name" / "snapshots" / "bbb"
    for folder, licence in ((old, "mit"), (new, "cc-by-nc-4.0")):
        folder.mkdir(parents=True)
        (folder / "README.md").write_text(f"---\nlicense: {licence}\n---\n", encoding="utf-8")
    os.utime(old / "README.md", (1, 1))
    found = hugging_face_cache_card("org/name", tmp_path)
    assert found is not None and "cc-by-nc-4.0" in found[0]
    assert hugging_face_cache_card("org/missing", tmp_path) is None
