"""Every connector, listed explicitly (so packaging sees each import) and built from an account's settings."""

from __future__ import annotations

from collections.abc import Mapping

from socialinbox.connectors.base import ConnectorFactory
from socialinbox.connectors.bluesky import build_bluesky
from socialinbox.connectors.demo import build_demo
from socialinbox.connectors.email import build_email
from socialinbox.connectors.mastodon import build_mastodon
from socialinbox.connectors.telegram import build_telegram
from socialinbox.domain import Platform

REGISTRY: Mapping[Platform, ConnectorFactory] = {
    Platform.BLUESKY: build_bluesky,
    Platform.DEMO: build_demo,
    Platform.EMAIL: build_email,
    Platform.MASTODON: build_mastodon,
    Platform.TELEGRAM: build_telegram,
}

TOKENLESS: frozenset[Platform] = frozenset({Platform.DEMO})
"""Platforms whose connector needs no stored sign-in."""
