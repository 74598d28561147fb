from __future__ import annotations

import pytest

from scanners.usage.holders import HolderClass, classify_holder, find_holders, holder_of


@pytest.mark.parametrize(
    ("line", "name", "holder_class"),
    [
        ("Copyright (c) 2019-2024 Acme Analytics GmbH. All rights reserved.",
         "Acme Analytics GmbH", HolderClass.COMPANY),
        ("# Copyright 2018 Google LLC", "Google LLC", HolderClass.COMPANY),
        ("Copyright (c) Microsoft Corporation.", "Microsoft Corporation", HolderClass.COMPANY),
        ("© 2023 Acme Ltd", "Acme Ltd", HolderClass.COMPANY),
        ("Copyright 2021 Acme, Inc.", "Acme, Inc.", HolderClass.COMPANY),
        ("Copyright (c) 2016 Baz B.V.", "Baz B.V.", HolderClass.COMPANY),
        ("Copyright (c) 2016, Bar S.A.", "Bar S.A.", HolderClass.COMPANY),
        ("Copyright 2015 Spotify AB", "Spotify AB", HolderClass.COMPANY),
        ("Copyright 2020 Widgets Oy", "Widgets Oy", HolderClass.COMPANY),
        ("Copyright 2021 Acme Pty Ltd", "Acme Pty Ltd", HolderClass.COMPANY),
        ("Copyright 2021 Fabbrica S.p.A.", "Fabbrica S.p.A.", HolderClass.COMPANY),
        ("Copyright (c) Facebook, Inc. and its affiliates.", "Facebook, Inc.",
         HolderClass.COMPANY),
        ("Copyright 2011 Google", "Google", HolderClass.COMPANY),
        ("Copyright (C) 2007 Free Software Foundation, Inc. <https://fsf.org/>",
         "Free Software Foundation, Inc.", HolderClass.NONPROFIT),
        ("Copyright 2022 Mozilla Foundation", "Mozilla Foundation", HolderClass.NONPROFIT),
        ("Copyright 2022 Open Source Verein e.V.", "Open Source Verein e.V.",
         HolderClass.NONPROFIT),
        ("Copyright 2022 Gemeinwohl gGmbH", "Gemeinwohl gGmbH", HolderClass.NONPROFIT),
        ("Copyright (c) 2010 The Regents of the University of California",
         "The Regents of the University of California", HolderClass.ACADEMIC),
        ("Copyright (C) 2012 Crown Copyright", "Crown", HolderClass.PUBLIC),
        ("Copyright 2024 Kooperative Foo eG", "Kooperative Foo eG", HolderClass.COOPERATIVE),
        (" * Copyright 2020 The Go Authors. All rights reserved.", "The Go Authors",
         HolderClass.GENERIC),
        ("Copyright (c) 2017 to present Acme Inc. and contributors",
         "Acme Inc. and contributors", HolderClass.COMPANY),
        ("Copyright (c) 2009 Jane Smith and contributors", "Jane Smith and contributors",
         HolderClass.GENERIC),
        ("# Copyright (c) 2021 Jane Doe <jane@example.org>", "Jane Doe", HolderClass.PERSON),
    ],
)  # fmt: skip
def test_holder_of_names_and_classifies(line: str, name: str, holder_class: HolderClass) -> None:
    assert holder_of(line) == (name, holder_class)


@pytest.mark.parametrize(
    "line",
    [
        "copyright notice, this list of conditions and the following disclaimer.",
        "Copyright [yyyy] [name of copyright owner]",
        "Copyright (C) <year>  <name of author>",
        "Copyright law protects this work.",
        "Copyright (c) 2020",
        "THE SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS",
    ],
)
def test_holder_of_ignores_prose_and_placeholders(line: str) -> None:
    assert holder_of(line) is None


def test_find_holders_gives_lines() -> None:
    text = "MIT License\n\nCopyright (c) 2024 Acme Inc.\nCopyright (c) 2020 Jane Doe\n"
    found = list(find_holders(text))
    assert [(h.name, h.holder_class, h.line) for h in found] == [
        ("Acme Inc.", HolderClass.COMPANY, 3),
        ("Jane Doe", HolderClass.PERSON, 4),
    ]


def test_find_holders_without_copyright_is_empty() -> None:
    assert list(find_holders("def main():\n    return 1\n")) == []


def test_foundation_beats_company_suffix() -> None:
    assert classify_holder("Python Software Foundation, Inc.") is HolderClass.NONPROFIT
    assert classify_holder("The Linux Foundation") is HolderClass.NONPROFIT
    assert classify_holder("Ada Lovelace") is HolderClass.PERSON
