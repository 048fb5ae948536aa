"""Config loading: validation of every key at once, secrets from env and files, relative paths."""

from __future__ import annotations

from pathlib import Path

import pytest

import tests.fakes  # noqa: F401  (registers the test-fake source type)
from monitor.config import load_config, parse_config
from monitor.errors import ConfigError

GOOD = """
[database]
url = "sqlite:///data/billwatch.db"

[http]
contact = "advocacy@example.org"
per_host = { "api.legiscan.com" = 2.0 }

[schedule]
timezone = "America/Chicago"
scan = "0 6 * * *"

[[source]]
name = "tx"
type = "test-fake"
api_key = "${BW_TEST_KEY}"
schedule = "*/30 * * * *"
"""


def write(tmp_path: Path, text: str, name: str = "billwatch.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_good_config_loads_with_env_secret_and_relative_sqlite(tmp_path, monkeypatch):
    monkeypatch.setenv("BW_TEST_KEY", "k-123")
    config = load_config(write(tmp_path, GOOD))
    assert config.database.url == f"sqlite:///{tmp_path}/data/billwatch.db"
    assert config.http.per_host == {"api.legiscan.com": 2.0}
    assert config.schedule.timezone == "America/Chicago"
    (source,) = config.sources
    assert source.name == "tx" and source.api_key == "k-123" and source.schedule == "*/30 * * * *"
    assert "k-123" in config.secrets()


def test_every_problem_reported_at_once_with_paths(tmp_path):
    text = """
colour = "blue"
[http]
timeout = 3
[schedule]
timezone = "Mars/Olympus"
scan = "every day"
[[source]]
name = "a"
type = "no-such-type"
[[source]]
name = "b"
type = "test-fake"
count = "many"
bogus = 1
"""
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    problems = "\n".join(info.value.problems)
    assert "colour: unknown key (allowed: database, http, schedule" in problems
    assert "http.timeout: unknown key (allowed: contact, connect_timeout" in problems
    assert "schedule.timezone: unknown time zone 'Mars/Olympus'" in problems
    assert "schedule.scan: not a cron expression" in problems
    assert "source[0] (a).type: unknown source type 'no-such-type' (allowed:" in problems
    assert "source[1] (b).count:" in problems
    assert "source[1] (b).bogus: unknown key (allowed: name, type, enabled" in problems
    assert len(info.value.problems) == 7


def test_missing_env_var_is_named_not_guessed(tmp_path, monkeypatch):
    monkeypatch.delenv("BW_TEST_KEY", raising=False)
    with pytest.raises(ConfigError, match=r"source\.0\.api_key|source\[0\]\.api_key: environment variable BW_TEST_KEY is not set"):
        load_config(write(tmp_path, GOOD))


def test_missing_env_var_hint_names_a_file_key_only_where_there_is_one(tmp_path, monkeypatch):
    monkeypatch.delenv("BW_TEST_KEY", raising=False)
    monkeypatch.delenv("BW_TEST_HOOK", raising=False)
    text = GOOD + '[[notifier]]\nname = "slack"\nurl = "${BW_TEST_HOOK}"\n'
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    problems = info.value.problems
    assert "source[0].api_key: environment variable BW_TEST_KEY is not set (export it, or use api_key_file)" in problems
    assert "notifier[0].url: environment variable BW_TEST_HOOK is not set (export it)" in problems  # no url_file


def test_secret_from_file_relative_to_config(tmp_path):
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "key").write_text("filekey-9\n")
    text = '[[source]]\nname = "x"\ntype = "test-fake"\napi_key_file = "secrets/key"\n'
    config = load_config(write(tmp_path, text))
    assert config.sources[0].api_key == "filekey-9"


def test_unreadable_secret_file_is_a_problem(tmp_path):
    text = '[[source]]\nname = "x"\ntype = "test-fake"\napi_key_file = "missing"\n'
    with pytest.raises(ConfigError, match="cannot read secret file"):
        load_config(write(tmp_path, text))


def test_duplicate_source_names(tmp_path):
    text = '[[source]]\nname = "x"\ntype = "test-fake"\n[[source]]\nname = "x"\ntype = "test-fake"\n'
    with pytest.raises(ConfigError, match=r"source\[1\]\.name: 'x' is used twice"):
        load_config(write(tmp_path, text))


def test_missing_file_hints_at_init(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "nope.toml")
    assert "billwatch init" in str(info.value)


def test_toml_syntax_error(tmp_path):
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(write(tmp_path, "[database\nurl = 1"))


def test_rule_files_resolved_and_checked(tmp_path):
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "a.toml").write_text("")
    config = parse_config({"rules": ["rules/a.toml"]}, tmp_path / "billwatch.toml")
    assert config.rules == [tmp_path / "rules" / "a.toml"]
    with pytest.raises(ConfigError, match=r"rules\[0\]: rule file not found"):
        parse_config({"rules": ["rules/missing.toml"]}, tmp_path / "billwatch.toml")


def test_config_path_from_environment(tmp_path, monkeypatch):
    path = write(tmp_path, "[database]\nurl = \"sqlite:///x.db\"\n", "elsewhere.toml")
    monkeypatch.setenv("BILLWATCH_CONFIG", str(path))
    assert load_config().path == path.resolve()


def test_database_password_is_a_secret(tmp_path, monkeypatch):
    monkeypatch.setenv("BW_DB_PASSWORD", "pg-pass-7")
    text = '[database]\nurl = "postgresql+psycopg://billwatch:${BW_DB_PASSWORD}@db.example.org/billwatch"\n'
    config = load_config(write(tmp_path, text))
    assert "pg-pass-7" in config.secrets()


def test_allowed_keys_are_named_as_written_in_the_file(tmp_path):
    text = '[smtp]\nhost = "smtp.example.org"\nfrom = "a@example.org"\nsender = "x"\n'
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    (problem,) = info.value.problems
    assert problem.startswith("smtp.sender: unknown key (allowed: host, port, ")
    assert ", from," in problem and "from_" not in problem


def test_subscriber_problems_a_new_user_makes_are_all_listed(tmp_path):
    text = """
[[subscriber]]
email = "ann@example.org"

[[subscriber]]
email = "Ann@Example.org"

[[subscriber]]
email = "bob@example.org"
min_weight = -1

[[notifier]]
name = "slack"
url = "https://hooks.example.org/x"
min_weight = -2
"""
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    problems = info.value.problems
    assert "subscriber[2].min_weight: Input should be greater than or equal to 0" in problems
    assert "notifier[0].min_weight: Input should be greater than or equal to 0" in problems
    # one mailbox, two subscribers: two digests to the same person, under two delivery states
    assert "subscriber[1].email: 'Ann@Example.org' is used twice; each subscriber needs its own email" in problems


def test_smtp_login_without_a_password_is_a_problem(tmp_path):
    text = '[smtp]\nhost = "smtp.example.org"\nfrom = "a@example.org"\nusername = "billwatch"\n'
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    assert info.value.problems == ["smtp: username needs password or password_file (leave username out for no login)"]


def test_smtp_cafile_is_relative_to_the_config_file_and_must_exist(tmp_path, monkeypatch):
    (tmp_path / "certs").mkdir()
    (tmp_path / "certs" / "ca.pem").write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # not the config's folder
    text = '[smtp]\nhost = "smtp.example.org"\nfrom = "a@example.org"\ncafile = "certs/ca.pem"\n'
    config = load_config(write(tmp_path, text))
    assert config.smtp.cafile == tmp_path / "certs" / "ca.pem"
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text.replace("certs/ca.pem", "certs/missing.pem")))
    assert info.value.problems == [f"smtp.cafile: CA bundle not found: {tmp_path / 'certs' / 'missing.pem'}"]
