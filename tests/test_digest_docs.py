"""docs/digests.md stays true: its TOML examples load, and it documents every key and option."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from monitor.config import parse_config
from notifiers.cli import digest_command
from notifiers.config import NotifierConfig, SmtpConfig, SubscriberConfig

DOC = Path(__file__).parents[1] / "docs" / "digests.md"
TEXT = DOC.read_text(encoding="utf-8")
TOML_BLOCKS = re.findall(r"```toml\n(.*?)```", TEXT, flags=re.DOTALL)


def test_the_examples_load_as_a_config(monkeypatch):
    monkeypatch.setenv("SMTP_PASSWORD", "example-password")
    monkeypatch.setenv("SLACK_WEBHOOK_URL", "https://hooks.slack.com/services/T0/B0/x")
    raw = tomllib.loads("\n".join(TOML_BLOCKS))
    config = parse_config(raw)
    assert [s.cadence for s in config.subscribers] == ["weekly:mon", "immediate"]
    assert config.smtp is not None and config.smtp.resolved_password() == "example-password"
    assert config.notifiers[0].format == "slack"
    assert len(TOML_BLOCKS) == 3


@pytest.mark.parametrize("model", [SubscriberConfig, SmtpConfig, NotifierConfig])
def test_every_key_is_documented(model):
    for name, info in model.model_fields.items():
        key = info.alias or name
        assert f"| `{key}`" in TEXT or f"`{key}`," in TEXT, f"{model.__name__}.{key} is not in docs/digests.md"


def test_every_option_is_documented():
    for param in digest_command.params:
        for option in param.opts:
            assert option in TEXT, f"digest {option} is not in docs/digests.md"
