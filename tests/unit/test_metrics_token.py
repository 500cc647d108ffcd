"""METRICS_TOKEN: optional, and when given a real secret (G7: a bad one stops start-up)."""

from __future__ import annotations

import pytest

from shipbot.config import ConfigError, load_settings


@pytest.mark.parametrize("value", ["short-token", "metrics token with spaces 0123456789"])
def test_a_weak_metrics_token_is_refused_naming_the_variable(value):
    with pytest.raises(ConfigError) as refused:
        load_settings(_env_file=None, metrics_token=value)
    assert refused.value.variable == "METRICS_TOKEN"
    assert "at least 24 characters with no whitespace" in refused.value.problem


@pytest.mark.parametrize(("value", "loaded"), [("", None), ("m" * 24, "m" * 24)])
def test_an_empty_metrics_token_is_none_and_a_strong_one_is_kept(value, loaded):
    assert load_settings(_env_file=None, metrics_token=value).metrics_token == loaded
