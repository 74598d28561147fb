"""Package URLs (purl spec) for components, built with ``packageurl-python``.

Names are normalised the way each ecosystem's purl type says: PyPI names lower-case with
``-`` (PEP 503), npm scopes as the namespace (``pkg:npm/%40scope/name@1.0.0``), Go module
paths split at the last ``/``, Maven ``groupId`` as the namespace. Datasets on Hugging Face
use the ``huggingface`` type with the datasets hub as ``repository_url``.
"""

from __future__ import annotations

import re
from functools import lru_cache

from packageurl import PackageURL

HF_DATASETS = "https://huggingface.co/datasets"
KAGGLE_DATASETS = "https://www.kaggle.com/datasets"

_PEP503 = re.compile(r"[-_.]+")


def pypi_name(name: str) -> str:
    """The PEP 503 normalised name: lower-case, runs of ``-_.`` as one ``-``."""
    return _PEP503.sub("-", name).lower()


@lru_cache(maxsize=16384)
def pypi(name: str, version: str | None = None) -> str:
    return str(PackageURL(type="pypi", name=pypi_name(name), version=version).to_string())


@lru_cache(maxsize=16384)
def npm(name: str, version: str | None = None) -> str:
    namespace: str | None = None
    name = name.lower()  # npm names are lower-case (older packages may have upper case)
    if name.startswith("@") and "/" in name:
        namespace, name = name.split("/", 1)
    return str(PackageURL(type="npm", namespace=namespace, name=name, version=version).to_string())


@lru_cache(maxsize=16384)
def cargo(name: str, version: str | None = None) -> str:
    return str(PackageURL(type="cargo", name=name, version=version).to_string())


@lru_cache(maxsize=16384)
def golang(module: str, version: str | None = None) -> str:
    namespace, _, name = module.rpartition("/")
    return str(
        PackageURL(
            type="golang", namespace=namespace or None, name=name, version=version
        ).to_string()
    )


@lru_cache(maxsize=16384)
def maven(group: str, artifact: str, version: str | None = None) -> str:
    return str(
        PackageURL(type="maven", namespace=group, name=artifact, version=version).to_string()
    )


def hugging_face_dataset(repo_id: str, revision: str | None = None) -> str:
    return _hosted("huggingface", repo_id, revision, HF_DATASETS)


def kaggle_dataset(ref: str, version: str | None = None) -> str:
    return _hosted("generic", ref, version, KAGGLE_DATASETS)


def _hosted(purl_type: str, ref: str, version: str | None, repository_url: str) -> str:
    """A dataset on a hub: ``owner/name`` split at the last ``/``, the hub as qualifier."""
    namespace, _, name = ref.rpartition("/")
    return str(
        PackageURL(
            type=purl_type,
            namespace=namespace or None,
            name=name,
            version=version,
            qualifiers={"repository_url": repository_url},
        ).to_string()
    )


def without_version(purl: str) -> str:
    """The purl with its version, qualifiers and subpath dropped: the key that identifies
    the package across a manifest, its lockfile and the installed copy. (A canonical purl
    has ``@`` only before the version: it percent-encodes the one of an npm scope.)"""
    base = purl.split("#", 1)[0].split("?", 1)[0]
    slash = base.rfind("/")
    at = base.find("@", slash + 1)
    return base[:at] if at >= 0 else base
