"""The connector registry names every platform's factory and imports a connector only when it is looked up."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from socialinbox.connectors import CONNECTOR_MODULES, FACTORY_NAMES, REGISTRY
from socialinbox.domain import Platform
from tests.conftest import FakeClock


@pytest.mark.parametrize("platform", list(FACTORY_NAMES))
def test_every_platform_resolves_to_its_connectors_factory(platform: Platform) -> None:
    factory = REGISTRY[platform]
    assert callable(factory)
    assert factory.__module__ == REGISTRY.module_of(platform)
    assert REGISTRY.get(platform) is factory


def test_the_registry_lists_the_connected_platforms_and_each_module_once() -> None:
    connected = {
        Platform.BLUESKY,
        Platform.DEMO,
        Platform.EMAIL,
        Platform.FACEBOOK,
        Platform.GOOGLE_REVIEWS,
        Platform.INSTAGRAM,
        Platform.MASTODON,
        Platform.TELEGRAM,
        Platform.X,
    }
    assert set(REGISTRY) == connected
    assert len(REGISTRY) == len(connected)
    assert sorted(CONNECTOR_MODULES) == sorted({REGISTRY.module_of(p) for p in connected})


def test_a_platform_without_a_connector_is_missing_like_in_a_dict() -> None:
    assert "carrier-pigeon" not in REGISTRY
    with pytest.raises(KeyError):
        REGISTRY["carrier-pigeon"]  # type: ignore[index]


def test_the_demo_factory_builds_a_working_connector() -> None:
    connector = REGISTRY[Platform.DEMO]({"seed": 3}, FakeClock())
    assert connector.platform is Platform.DEMO


_PROBE = """
import json, sys
from socialinbox.connectors import REGISTRY
from socialinbox.domain import Platform
loaded = lambda: sorted(m for m in sys.modules if m.startswith("socialinbox.connectors."))
before = loaded()
assert Platform.MASTODON in REGISTRY
checked = loaded()
REGISTRY[Platform.DEMO]
print(json.dumps({"before": before, "checked": checked, "after": loaded()}))
"""


def test_importing_the_registry_imports_no_connector_and_a_lookup_only_its_own() -> None:
    done = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, timeout=60, check=True)
    found = json.loads(done.stdout)
    assert found["before"] == found["checked"] == ["socialinbox.connectors.base"]
    after = set(found["after"])
    assert "socialinbox.connectors.demo" in after
    assert not after & {"socialinbox.connectors.mastodon", "socialinbox.connectors.bluesky"}
    assert not after & {"socialinbox.connectors.email", "socialinbox.connectors.telegram"}
