"""The command line, run as a person would: `python -m bot ...` in a subprocess."""

from __future__ import annotations

import asyncio
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from bot.db import Database
from bot.models import MemberScore
from tests.conftest import PROJECT_ROOT, cli_environment, run_cli
from tests.db.test_scores import decided

# Nothing listens on port 1: connecting is refused at once.
UNREACHABLE = "http://127.0.0.1:1/api/v10"


def run(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, env=env, cwd=cwd)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return cli_environment(tmp_path)


def test_help_everywhere(env: dict[str, str], tmp_path: Path) -> None:
    for args in (["--help"], ["run", "--help"], ["corpus", "--help"], ["corpus", "search", "-h"]):
        result = run(*args, env=env, cwd=tmp_path)
        assert result.returncode == 0 and "usage:" in result.stdout


def test_import_then_search_prints_ranked_attributed_results(
    env: dict[str, str], tmp_path: Path
) -> None:
    first = run("corpus", "import", env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "3 added" in first.stdout
    again = run("corpus", "import", env=env, cwd=tmp_path)
    assert "3 unchanged" in again.stdout
    found = run(
        "corpus",
        "search",
        "offshore balancing",
        "--passages",
        "--limit",
        "2",
        env=env,
        cwd=tmp_path,
    )
    assert found.returncode == 0, found.stderr
    assert found.stdout.startswith("1. ")
    assert "offshore balancing" in found.stdout
    assert "Anne-Marie Slaughter" in found.stdout and "Values" in found.stdout
    realist = run("corpus", "search", "hegemony", "--side", "realist", env=env, cwd=tmp_path)
    assert "Stephen M. Walt" in realist.stdout and "Slaughter" not in realist.stdout


def test_search_with_nothing_to_search_is_a_clear_error(
    env: dict[str, str], tmp_path: Path
) -> None:
    result = run("corpus", "search", '"*(', env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert "no words to search for" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_search_in_an_essay_that_does_not_exist_says_so(
    env: dict[str, str], tmp_path: Path
) -> None:
    assert run("corpus", "import", env=env, cwd=tmp_path).returncode == 0
    result = run("corpus", "search", "hegemony", "--essay", "nope", env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert "There is no essay “nope”" in result.stdout
    assert "No matches" not in result.stdout
    known = sorted(p.stem for p in (PROJECT_ROOT / "corpus").glob("*.txt"))
    assert all(slug in result.stdout for slug in known)
    found = run("corpus", "search", "hegemony", "--essay", known[0], env=env, cwd=tmp_path)
    assert found.returncode == 0, found.stdout + found.stderr


def test_bad_setting_stops_with_one_line_naming_it(env: dict[str, str], tmp_path: Path) -> None:
    env |= {"MOOT_SHARD_COUNT": "2", "MOOT_SHARD_IDS": "5"}
    result = run("migrate", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert "MOOT_SHARD_IDS" in result.stdout
    assert len(result.stdout.strip().splitlines()) == 1
    assert "Traceback" not in result.stdout + result.stderr


def test_malformed_corpus_fails_with_file_and_field(env: dict[str, str], tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "bad.txt").write_text('+++\nside = "nobody"\ntitle = "T"\n+++\n\nText.\n')
    env["MOOT_CORPUS_DIR"] = str(corpus)
    result = run("corpus", "import", env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert "bad.txt: side:" in result.stdout and "nothing was changed" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_unreachable_database_is_one_clear_line(env: dict[str, str], tmp_path: Path) -> None:
    env["MOOT_DATABASE_URL"] = "postgresql://nobody@127.0.0.1:1/none"
    result = run("migrate", env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert "Cannot use the database (MOOT_DATABASE_URL)" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_run_without_a_token_plays_the_sandbox_and_leaves_the_database_alone(
    env: dict[str, str], tmp_path: Path
) -> None:
    result = run("run", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "offline sandbox" in result.stdout and "moot sandbox" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert not (tmp_path / "data").exists()  # MOOT_DATABASE_URL's file was never made


def test_run_with_a_token_prepares_the_database_then_names_an_unreachable_discord(
    env: dict[str, str], tmp_path: Path
) -> None:
    env |= {"MOOT_TOKEN": "x.y.z", "MOOT_DISCORD_API_URL": UNREACHABLE}
    result = run("run", env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert "3 added" in result.stdout
    assert f"Cannot start: Cannot reach Discord ({UNREACHABLE})" in result.stdout
    assert "database" not in result.stdout.split("Database ready")[-1].lower()
    assert "Traceback" not in result.stdout + result.stderr


def test_sync_without_a_token_says_it_needs_one(env: dict[str, str], tmp_path: Path) -> None:
    result = run("sync", env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.strip().startswith("Cannot sync: MOOT_TOKEN is needed for sync")
    assert len(result.stdout.strip().splitlines()) == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert not (tmp_path / "data").exists()  # refused before the database was touched


def test_sync_with_discord_out_of_reach_names_discord_not_the_database(
    env: dict[str, str], tmp_path: Path
) -> None:
    env |= {"MOOT_TOKEN": "x.y.z", "MOOT_DISCORD_API_URL": UNREACHABLE}
    result = run("sync", env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert f"Cannot sync: Cannot reach Discord ({UNREACHABLE})" in result.stdout
    assert "MOOT_DATABASE_URL" not in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_an_unreadable_corpus_file_is_named_with_its_reason(
    env: dict[str, str], tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "gone.txt").symlink_to(tmp_path / "moved-away.txt")  # a dangling link
    env["MOOT_CORPUS_DIR"] = str(corpus)
    result = run("corpus", "import", env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert "Corpus import failed, nothing was changed" in result.stdout
    assert "gone.txt" in result.stdout and "No such file or directory" in result.stdout
    assert "MOOT_DATABASE_URL" not in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_a_malformed_format_stops_start_up_naming_file_and_field(
    env: dict[str, str], tmp_path: Path
) -> None:
    formats = tmp_path / "formats"
    formats.mkdir()
    for path in (PROJECT_ROOT / "formats").glob("*.toml"):
        (formats / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    broken = formats / "oxford.toml"
    broken.write_text(
        broken.read_text(encoding="utf-8").replace("seconds = 420", "seconds = 0", 1),
        encoding="utf-8",
    )
    result = run("run", env=env | {"MOOT_FORMATS_DIR": str(formats)}, cwd=tmp_path)
    assert result.returncode == 1
    assert "oxford.toml: turn[1].seconds: must be between 1 and 3600" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_scores_rebuild_recomputes_what_rounds_recorded(
    env: dict[str, str], tmp_path: Path
) -> None:
    """A rating tampered with in the database comes back to what the rounds say."""
    url = env["MOOT_DATABASE_URL"]
    assert run("migrate", env=env, cwd=tmp_path).returncode == 0

    async def play_and_tamper() -> float:
        db = Database(url)
        try:
            await decided(db, [10], [11], "realist", datetime.now(UTC) - timedelta(hours=1))
            async with db.session() as s:
                rows = (await s.exec(select(MemberScore))).all()
                true_mu = rows[0].mu
                for row in rows:
                    row.mu = 0.0
                    s.add(row)
            return true_mu
        finally:
            await db.close()

    async def mus() -> set[float]:
        db = Database(url)
        try:
            async with db.session() as s:
                return {round(r.mu, 9) for r in (await s.exec(select(MemberScore))).all()}
        finally:
            await db.close()

    true_mu = asyncio.run(play_and_tamper())
    assert asyncio.run(mus()) == {0.0}
    result = run("scores", "rebuild", env=env, cwd=tmp_path)
    assert result.returncode == 0 and "rebuilt from 1 decided rounds" in result.stdout
    assert round(true_mu, 9) in asyncio.run(mus())


def test_corpus_add_shows_the_cleaning_then_adds_for_one_server_only(
    env: dict[str, str], tmp_path: Path
) -> None:
    essay = tmp_path / "rights.md"
    essay.write_text(
        "# Why Rights Come First\n\nHuman rights are the quixotic foundation of any order "
        "that lasts. They say so.\n\nIMAGE: Delegates (via Getty Images)\n",
        encoding="utf-8",
    )
    assert run("corpus", "import", env=env, cwd=tmp_path).returncode == 0
    base = ["corpus", "add", str(essay), "--guild", "77", "--side", "values", "--title", "Rights"]
    shown = run(*base, env=env, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "1. remove line 1 (header line: title, author or date): # Why Rights" in shown.stdout
    assert "2. remove line 5 (image caption)" in shown.stdout
    assert "nothing was added" in shown.stdout
    wrong = run(*base, "--accept", "3", env=env, cwd=tmp_path)
    assert wrong.returncode == 1 and "There is no proposed edit 3: there are 2." in wrong.stdout
    added = run(*base, "--accept", "2", env=env, cwd=tmp_path)
    assert added.returncode == 0, added.stdout
    assert "to server 77's reading list: 2 paragraphs" in added.stdout
    mine = run("corpus", "search", "quixotic", "--guild", "77", env=env, cwd=tmp_path)
    assert mine.stdout.startswith("1. Human rights are the quixotic foundation")
    assert "Rights — author unknown" in mine.stdout
    shipped_only = run("corpus", "search", "quixotic", env=env, cwd=tmp_path)
    assert "No matches" in shipped_only.stdout
    again = run("corpus", "import", env=env, cwd=tmp_path)
    assert "3 unchanged, 0 retired" in again.stdout
