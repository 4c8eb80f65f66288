"""Every connector, listed by name and imported only when an account of its platform first needs it.

Importing them all at start-up cost about 140 ms and 7 MB before the first paint (docs/performance.md, B4/B5), for
platforms most shops never connect. Packaging cannot see these imports: ``packaging/socialinbox.spec`` lists
``CONNECTOR_MODULES`` as hidden imports.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping

from socialinbox.connectors.base import ConnectorFactory
from socialinbox.domain import Platform

FACTORY_NAMES: Mapping[Platform, str] = {
    Platform.BLUESKY: "socialinbox.connectors.bluesky:build_bluesky",
    Platform.DEMO: "socialinbox.connectors.demo:build_demo",
    Platform.EMAIL: "socialinbox.connectors.email:build_email",
    Platform.FACEBOOK: "socialinbox.connectors.facebook:build_facebook",
    Platform.GOOGLE_REVIEWS: "socialinbox.connectors.google_reviews:build_google_reviews",
    Platform.INSTAGRAM: "socialinbox.connectors.instagram:build_instagram",
    Platform.MASTODON: "socialinbox.connectors.mastodon:build_mastodon",
    Platform.TELEGRAM: "socialinbox.connectors.telegram:build_telegram",
    Platform.X: "socialinbox.connectors.x:build_x",
}

CONNECTOR_MODULES: tuple[str, ...] = tuple(sorted({name.partition(":")[0] for name in FACTORY_NAMES.values()}))


class LazyRegistry(Mapping[Platform, ConnectorFactory]):
    """A read-only ``Platform -> factory`` mapping that imports a connector's module on first lookup.

    It holds names only and no state: after the first lookup the module is in ``sys.modules`` and
    ``import_module`` is a dictionary lookup (and thread-safe, for workers of several accounts at once).
    """

    def __init__(self, names: Mapping[Platform, str]) -> None:
        self._names = dict(names)

    def __getitem__(self, platform: Platform) -> ConnectorFactory:
        module_name, _, attribute = self._names[platform].partition(":")  # KeyError for an unknown platform
        factory: ConnectorFactory = getattr(importlib.import_module(module_name), attribute)
        return factory

    def __iter__(self) -> Iterator[Platform]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __contains__(self, platform: object) -> bool:
        return platform in self._names  # without importing anything

    def module_of(self, platform: Platform) -> str:
        return self._names[platform].partition(":")[0]


REGISTRY: LazyRegistry = LazyRegistry(FACTORY_NAMES)
"""A constant table of names, like the dict it replaces; looking a platform up imports its connector."""

TOKENLESS: frozenset[Platform] = frozenset({Platform.DEMO})
"""Platforms whose connector needs no stored sign-in."""
