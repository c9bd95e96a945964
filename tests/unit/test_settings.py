"""Settings: defaults, validation that names the setting, and .env.example coverage."""

from __future__ import annotations

import re

import pytest

from bot.settings import Settings, SettingsError, load_settings
from tests.conftest import PROJECT_ROOT


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("MOOT_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(PROJECT_ROOT / "tests")  # no .env here


def test_env_example_documents_every_setting() -> None:
    example = (PROJECT_ROOT / ".env.example").read_text(encoding="utf-8")
    documented = set(re.findall(r"^#?\s*(MOOT_[A-Z_]+)=", example, flags=re.MULTILINE))
    expected = {f"MOOT_{name.upper()}" for name in Settings.model_fields}
    assert expected - documented == set(), "settings missing from .env.example"
    test_only = {"MOOT_TEST_POSTGRES_URL"}
    assert documented - expected == test_only, ".env.example names settings that do not exist"
    lines = example.splitlines()
    for index, line in enumerate(lines):
        if re.match(r"^#?\s*MOOT_[A-Z_]+=", line):
            above = lines[index - 1] if index else ""
            assert above.startswith("#") and above.lstrip("# "), f"{line}: no comment above it"


def test_defaults() -> None:
    settings = load_settings()
    assert settings.token is None
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert settings.discord_api_url == "https://discord.com/api/v10"
    assert settings.shard_ids is None


def test_values_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOOT_TOKEN", "abc.def")
    monkeypatch.setenv("MOOT_DATABASE_URL", "postgresql://u@db/moot")
    monkeypatch.setenv("MOOT_SHARD_COUNT", "4")
    monkeypatch.setenv("MOOT_SHARD_IDS", "0, 2")
    monkeypatch.setenv("MOOT_LOG_LEVEL", "debug")
    monkeypatch.setenv("MOOT_DISCORD_API_URL", "http://127.0.0.1:8080/api/v10/")
    settings = load_settings()
    assert settings.token is not None and settings.token.get_secret_value() == "abc.def"
    assert "abc.def" not in repr(settings)
    assert settings.database_url == "postgresql+asyncpg://u@db/moot"
    assert settings.shard_ids == [0, 2]
    assert settings.log_level == "DEBUG"
    assert settings.discord_api_url == "http://127.0.0.1:8080/api/v10"


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"MOOT_DATABASE_URL": "not a url"}, "MOOT_DATABASE_URL"),
        ({"MOOT_DATABASE_URL": "mysql://x/y"}, "MOOT_DATABASE_URL"),
        ({"MOOT_DATABASE_URL": "postgresql+psycopg2://x/y"}, "MOOT_DATABASE_URL"),
        ({"MOOT_SHARD_COUNT": "2", "MOOT_SHARD_IDS": "0,2"}, "MOOT_SHARD_IDS"),
        ({"MOOT_SHARD_IDS": "0"}, "MOOT_SHARD_COUNT"),
        ({"MOOT_SHARD_COUNT": "2", "MOOT_SHARD_IDS": "one"}, "MOOT_SHARD_IDS"),
        ({"MOOT_SHARD_COUNT": "0"}, "MOOT_SHARD_COUNT"),
        ({"MOOT_DEV_GUILD_ID": "guild"}, "MOOT_DEV_GUILD_ID"),
        ({"MOOT_LOG_LEVEL": "LOUD"}, "MOOT_LOG_LEVEL"),
        ({"MOOT_DISCORD_GATEWAY_URL": "gateway"}, "MOOT_DISCORD_GATEWAY_URL"),
    ],
)
def test_bad_value_names_the_setting(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], named: str
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert named in message
    assert "\n" not in message


def test_each_process_takes_its_shards_share_of_the_global_budget() -> None:
    """Discord's 50 a second is the bot's across every process: four processes of one
    shard each must not send four times that."""
    assert load_settings(post_rate=48).process_post_rate == 48
    quarters = [load_settings(post_rate=48, shard_count=4, shard_ids=[i]) for i in range(4)]
    assert [s.process_post_rate for s in quarters] == [12, 12, 12, 12]
    assert sum(s.process_post_rate for s in quarters) == 48
    assert load_settings(post_rate=48, shard_count=4, shard_ids=[0, 2]).process_post_rate == 24


def test_a_check_across_settings_is_one_line_that_names_them() -> None:
    """As the README shows it: no stand-in name before the settings the check names."""
    with pytest.raises(SettingsError) as caught:
        load_settings(shard_count=2, shard_ids=[5])
    assert str(caught.value) == "MOOT_SHARD_IDS has [5], outside 0..1 allowed by MOOT_SHARD_COUNT"
