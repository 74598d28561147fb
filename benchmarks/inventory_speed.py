"""Speed of the component inventory (issue 3): a 2,000-package ``package-lock.json`` and a
``node_modules`` tree of 1,000 installed packages.

    python benchmarks/inventory_speed.py [--packages 2000] [--installed 1000] [--runs 3]

Builds the tree in a temporary directory, then times ``inventory_from_files`` on the
walked paths (best of ``--runs``, after one warm-up run that also loads the licence
catalog and the detector). One installed package in 20 declares no licence, so the
detector reads its LICENSE file. Target: well under 2 s.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scanners.inventory import inventory_from_files  # noqa: E402

LICENCES = ("MIT", "ISC", "Apache-2.0", "BSD-3-Clause", "(MIT OR Apache-2.0)", "BSD-2-Clause")
MIT_TEXT = """MIT License

Copyright (c) 2024 Example

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""


def package_name(i: int) -> str:
    return f"@scope{i % 37}/pkg-{i}" if i % 3 == 0 else f"pkg-{i}"


def build(root: Path, packages: int, installed: int) -> None:
    lock: dict[str, object] = {
        "name": "bench-app",
        "version": "1.0.0",
        "lockfileVersion": 3,
        "requires": True,
        "packages": {
            "": {
                "name": "bench-app",
                "version": "1.0.0",
                "dependencies": {package_name(i): f"^{i % 9}.0.0" for i in range(100)},
            }
        },
    }
    entries = lock["packages"]
    assert isinstance(entries, dict)
    for i in range(packages):
        entries[f"node_modules/{package_name(i)}"] = {
            "version": f"{i % 9}.{i % 7}.{i % 5}",
            "resolved": f"https://registry.npmjs.org/{package_name(i)}/-/pkg-{i}.tgz",
            "integrity": "sha512-" + "A" * 86 + "==",
            "license": LICENCES[i % len(LICENCES)],
            "dependencies": {package_name((i * 7 + 1) % packages): "*"},
            **({"dev": True} if i % 4 == 0 else {}),
        }
    (root / "package-lock.json").write_text(json.dumps(lock, indent=2), encoding="utf-8")
    (root / "package.json").write_text(
        json.dumps({"name": "bench-app", "version": "1.0.0", "license": "MIT",
                    "dependencies": {package_name(i): "*" for i in range(100)}}, indent=2),
        encoding="utf-8",
    )  # fmt: skip
    for i in range(installed):
        folder = root / "node_modules" / package_name(i)
        folder.mkdir(parents=True, exist_ok=True)
        manifest: dict[str, object] = {
            "name": package_name(i),
            "version": f"{i % 9}.{i % 7}.{i % 5}",
            "main": "index.js",
            "dependencies": {package_name((i * 7 + 1) % packages): "*"},
        }
        if i % 20:
            manifest["license"] = LICENCES[i % len(LICENCES)]
        (folder / "package.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        (folder / "LICENSE").write_text(MIT_TEXT, encoding="utf-8")
        (folder / "index.js").write_text("module.exports = () => 42;\n", encoding="utf-8")
        lib = folder / "lib"
        lib.mkdir(exist_ok=True)
        (lib / "package.json").write_text('{"type": "commonjs"}\n', encoding="utf-8")


def walk(root: Path) -> list[str]:
    out = []
    for directory, _, files in os.walk(root):
        rel = os.path.relpath(directory, root)
        for name in files:
            out.append(name if rel == "." else f"{rel}/{name}".replace(os.sep, "/"))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packages", type=int, default=2000)
    parser.add_argument("--installed", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        build(root, args.packages, args.installed)
        started = time.perf_counter()
        paths = walk(root)
        walk_seconds = time.perf_counter() - started
        cold_started = time.perf_counter()
        inventory = inventory_from_files(root, paths)
        cold = time.perf_counter() - cold_started
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            inventory = inventory_from_files(root, paths)
            times.append(time.perf_counter() - started)
        lock_size = (root / "package-lock.json").stat().st_size
        known = sum(c.licence_known for c in inventory.components)
        print(f"files walked:            {len(paths)} ({walk_seconds:.3f} s, not counted)")
        print(f"package-lock.json:       {args.packages} packages, {lock_size / 1e6:.1f} MB")
        print(f"node_modules:            {args.installed} packages")
        print(f"components:              {len(inventory.components)} ({known} with a licence)")
        print(f"skipped:                 {len(inventory.skipped)}")
        print(f"first run (cold):        {cold:.3f} s  (loads the catalog and the detector)")
        print(f"inventory_from_files:    {min(times):.3f} s best of {args.runs}  (target < 2 s)")


if __name__ == "__main__":
    main()
