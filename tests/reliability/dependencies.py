"""The app's dependencies as installed: what pip-audit checks and what the README's licence section must list."""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def installed_closure(extras: tuple[str, ...] = ()) -> dict[str, metadata.Distribution]:
    """Every installed distribution the project's dependencies (and ``extras``) pull in, transitively, by
    canonical name. Read from pyproject.toml, not the installed project's metadata, which may predate an edit."""
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    roots = list(project["dependencies"])
    for extra in extras:
        roots += project.get("optional-dependencies", {}).get(extra, [])
    found: dict[str, metadata.Distribution] = {}
    pending = [(Requirement(line), "") for line in roots]
    while pending:
        requirement, extra = pending.pop()
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": extra}):
            continue
        key = canonicalize_name(requirement.name)
        if key in found:
            continue
        try:
            distribution = metadata.distribution(requirement.name)
        except metadata.PackageNotFoundError:
            continue  # a dependency for another platform
        found[key] = distribution
        for line in distribution.requires or []:
            pending += [(Requirement(line), wanted) for wanted in ("", *requirement.extras)]
    return found


def licence(distribution: metadata.Distribution) -> str:
    meta = distribution.metadata
    expression = meta.get("License-Expression")
    if expression:
        return expression
    classifiers = [c.split(" :: ")[-1] for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    return "; ".join(classifiers) or (meta.get("License") or "unknown").splitlines()[0]
