"""The build cache is void across feedpub versions: its key is the one version the package and CLI report."""

from __future__ import annotations

import importlib.metadata

from conftest import ROOT

import feedpub
from feedpub.build import caching
from feedpub.sources.config import load_config


def test_the_package_metadata_reports_the_version_the_code_carries():
    assert importlib.metadata.version("feedpub") == feedpub.__version__


def test_a_new_feedpub_version_gives_a_new_cache_key(monkeypatch):
    config = load_config(ROOT / "config.yaml")
    current = caching.settings_key(config, drafts=False)

    monkeypatch.setattr(caching, "__version__", feedpub.__version__ + ".post1")

    assert caching.settings_key(config, drafts=False) != current


def test_the_same_version_and_settings_give_the_same_cache_key():
    config = load_config(ROOT / "config.yaml")

    assert caching.settings_key(config, drafts=False) == caching.settings_key(config, drafts=False)
