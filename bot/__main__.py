"""moot's command line: `python -m bot --help`.

Each command imports what it uses when it runs, so `--help` (and a mistyped command)
answers without loading discord.py, SQLAlchemy or the offline sandbox, and a production
start never loads the sandbox or the emulator it drives.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape

# Plain enums, no SQLModel: the parser's choices come from the domain itself.
from bot.domain import Side

if TYPE_CHECKING:
    from bot.clock import Clock
    from bot.services.corpus_import import ImportReport
    from bot.settings import Settings

log = logging.getLogger("moot")
console = Console(highlight=False, soft_wrap=True)


class CommandError(Exception):
    """A failure the command line reports as one line, without a traceback."""


async def prepare(settings: Settings) -> ImportReport:
    """Apply migrations, then import the corpus (a no-op when no file changed)."""
    from bot import migrate
    from bot.db import Database
    from bot.services.corpus_import import import_corpus

    await migrate.upgrade(settings.database_url)
    db = Database(settings.database_url)
    try:
        async with db.session() as session:
            return await import_corpus(settings.corpus_dir, session=session)
    except OSError as exc:
        if exc.filename is None:
            raise  # a connection to the database, reported as such by main()
        raise CommandError(
            f"Corpus import failed, nothing was changed: cannot read {exc.filename}: "
            f"{exc.strerror or exc}"
        ) from None
    finally:
        await db.close()


async def cmd_run(settings: Settings, args: argparse.Namespace) -> None:
    if settings.token is None:
        from sandbox import run_sandbox

        # The sandbox plays on a throwaway database of its own: the configured one is
        # neither migrated nor imported into, so trying moot out leaves it as it was.
        console.print(
            "No MOOT_TOKEN set: starting the offline sandbox instead of Discord "
            "(on a throwaway database; MOOT_DATABASE_URL is not touched)."
        )
        if await run_sandbox(settings, script=None, console=console):
            raise CommandError("The sandbox ended with errors.")
        return
    report = await prepare(settings)
    console.print(f"Database ready; corpus: {report.summary()}.")
    from bot.runtime import serve

    await serve(settings, clock=args.clock)


async def cmd_start(settings: Settings, args: argparse.Namespace) -> None:
    from bot.runtime import serve

    await serve(settings, clock=args.clock)


async def cmd_sandbox(settings: Settings, args: argparse.Namespace) -> None:
    from sandbox import run_sandbox

    if await run_sandbox(settings, script=args.script, console=console):
        raise CommandError("Some sandbox lines failed (marked ✗ above).")


async def cmd_sync(settings: Settings, args: argparse.Namespace) -> None:
    from bot import migrate
    from bot.runtime import SYNC_NEEDS, require_token, sync

    require_token(settings, SYNC_NEEDS)  # before the database is touched
    await migrate.upgrade(settings.database_url)
    await sync(settings)
    console.print("Commands synced.")


async def cmd_migrate(settings: Settings, args: argparse.Namespace) -> None:
    from bot import migrate

    await migrate.upgrade(settings.database_url)
    console.print("Database is at the latest schema.")


async def cmd_scores_rebuild(settings: Settings, args: argparse.Namespace) -> None:
    from bot import migrate
    from bot.db import Database
    from bot.services import scores

    await migrate.upgrade(settings.database_url)
    db = Database(settings.database_url)
    try:
        async with db.session() as session:
            replayed = await scores.rebuild(session=session, guild_id=args.guild)
    finally:
        await db.close()
    console.print(f"Scores rebuilt from {replayed} decided rounds.")


async def cmd_corpus_import(settings: Settings, args: argparse.Namespace) -> None:
    report = await prepare(settings)
    for label, slugs in (
        ("added", report.added),
        ("updated", report.updated),
        ("retired", report.retired),
    ):
        for slug in slugs:
            console.print(f"  {label}: {slug}")
    console.print(f"Imported {settings.corpus_dir}: {report.summary()}.")


async def cmd_corpus_search(settings: Settings, args: argparse.Namespace) -> None:
    from bot import migrate
    from bot.db import Database
    from bot.errors import MootError
    from bot.provenance import essay_title
    from bot.services.quotes.essay_quotes import check_essay, essay_choices
    from bot.services.search import Kind, search

    await migrate.upgrade(settings.database_url)
    db = Database(settings.database_url)
    try:
        async with db.session() as session:
            if args.essay is not None:
                # An unknown slug would find nothing: say which word was wrong instead of
                # "no matches", and what the essays are called.
                try:
                    await check_essay(args.essay, session=session, guild_id=args.guild)
                except MootError:
                    choices = await essay_choices("", session=session, guild_id=args.guild)
                    known = ", ".join(slug for _, slug in choices)
                    raise CommandError(
                        f"There is no essay “{args.essay}”. --essay takes an essay's file "
                        f"name without .txt: {known or 'none is imported yet'}."
                    ) from None
            result = await search(
                args.query,
                session=session,
                kind=Kind.PASSAGE if args.passages else Kind.SENTENCE,
                side=Side(args.side) if args.side else None,
                essay=args.essay,
                limit=args.limit,
                guild_id=args.guild,
            )
    finally:
        await db.close()
    if result.query.truncated:
        console.print("[yellow]Your query was long; only its beginning was searched.[/]")
    if not result.query.terms:
        raise CommandError("The query has no words to search for.")
    if not result.hits:
        console.print("No matches. Try fewer or broader words.")
        return
    if result.mode == "any":
        console.print("[yellow]No passage has every word; showing those with some.[/]")
    for rank, hit in enumerate(result.hits, start=1):
        title = essay_title(hit.essay_title, hit.title_is_label)
        where = f"¶{hit.paragraph}" + (f".{hit.sentence}" if hit.sentence else "")
        console.print(f"[bold]{rank}.[/] " + _render_marks(hit.snippet()))
        console.print(
            f"   [dim]{escape(title)} — {escape(hit.author or 'author unknown')} · "
            f"{hit.side.label} · {where}[/]"
        )


def _accepted(spec: str, count: int) -> set[int]:
    """The 0-based edits `--accept` names: "all", "none", or numbers such as "1,3"."""
    if spec == "all":
        return set(range(count))
    if spec == "none":
        return set()
    try:
        chosen = {int(part) - 1 for part in spec.split(",") if part.strip()}
    except ValueError:
        raise CommandError(
            f"--accept takes all, none or edit numbers such as 1,3; not {spec!r}."
        ) from None
    wrong = sorted(n + 1 for n in chosen if not 0 <= n < count)
    if wrong:
        raise CommandError(f"There is no proposed edit {wrong[0]}: there are {count}.")
    return chosen


async def cmd_corpus_add(settings: Settings, args: argparse.Namespace) -> None:
    from dataclasses import replace

    from bot import migrate
    from bot.db import Database
    from bot.errors import MootError
    from bot.services import reading_list
    from bot.services.reading_list import Description, note

    path = Path(args.file)
    try:
        read = reading_list.read_file(path.name, await asyncio.to_thread(path.read_bytes))
    except MootError as exc:
        raise CommandError(f"{path.name}: {exc}") from None
    edits = reading_list.propose_edits(read.text, known=(read.title, read.author, read.published))
    for number, edit in enumerate(edits, start=1):
        console.print(f"  {number}. {edit.describe()}: {escape(edit.text[:80])}")
    if args.accept is None:
        console.print(
            f"{len(edits)} cleaning edit(s) proposed; nothing was added. Run again with "
            "--accept all, --accept none or --accept 1,3 to add the essay."
        )
        return
    chosen = _accepted(args.accept, len(edits))
    edits = [replace(e, accepted=i in chosen) for i, e in enumerate(edits)]
    described = Description(
        side=Side(args.side),
        title=args.title,
        title_is_label=args.label,
        author=args.author,
        author_note=note(not args.author_inferred, args.author_note) if args.author else None,
        published=args.published,
        published_note=note(not args.date_inferred, None) if args.published else None,
        source_url=args.source_url,
        complete=not args.excerpt,
    )
    await migrate.upgrade(settings.database_url)
    db = Database(settings.database_url)
    try:
        async with db.session() as session:
            entry = await reading_list.add_essay(
                args.guild,
                reading_list.apply_edits(read.text, edits),
                described,
                added_by=None,
                source_file=path.name,
                session=session,
            )
    except MootError as exc:
        raise CommandError(str(exc)) from None
    finally:
        await db.close()
    console.print(
        f"Added {entry.slug} to server {args.guild}'s reading list: {entry.paragraphs} "
        f"paragraphs, {entry.excerpts} excerpts ({entry.side.label})."
    )


def _render_marks(snippet: str) -> str:
    parts = snippet.split("**")
    return "".join(
        f"[bold yellow]{escape(part)}[/]" if i % 2 else escape(part) for i, part in enumerate(parts)
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="moot: a Discord bot that moderates realist-versus-values debates.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="migrate, import the corpus, start the bot")
    run.set_defaults(handler=cmd_run)

    start = commands.add_parser(
        "start",
        help="start the bot only: no migration or corpus import (for extra shard processes)",
    )
    start.set_defaults(handler=cmd_start)

    sandbox = commands.add_parser(
        "sandbox", help="play a seeded server offline: the emulator, the bot and a console"
    )
    sandbox.add_argument(
        "--script", type=Path, metavar="FILE", help="run these lines and print the transcript"
    )
    sandbox.set_defaults(handler=cmd_sandbox)

    sync_parser = commands.add_parser("sync", help="sync slash commands now, changed or not")
    sync_parser.set_defaults(handler=cmd_sync)

    mig = commands.add_parser("migrate", help="upgrade the database to the latest schema")
    mig.set_defaults(handler=cmd_migrate)

    corpus = commands.add_parser("corpus", help="import or search the essays")
    corpus_commands = corpus.add_subparsers(dest="corpus_command", required=True, metavar="ACTION")
    imp = corpus_commands.add_parser("import", help="import every essay file in corpus/")
    imp.set_defaults(handler=cmd_corpus_import)
    find = corpus_commands.add_parser("search", help="ranked full-text search of the essays")
    find.add_argument("query", help="words to look for")
    find.add_argument("--side", choices=[s.value for s in Side], help="only this side")
    find.add_argument("--essay", metavar="SLUG", help="only this essay (its file name)")
    find.add_argument("--limit", type=int, default=5, help="how many results (default 5)")
    find.add_argument(
        "--passages", action="store_true", help="return whole paragraphs, not sentences"
    )
    find.add_argument("--guild", type=int, help="also this server's reading list (its id)")
    find.set_defaults(handler=cmd_corpus_search)
    add = corpus_commands.add_parser(
        "add",
        help="add an essay to one server's reading list (shows the proposed cleaning first)",
    )
    add.add_argument("file", help="plain text, Markdown or a saved web page (HTML)")
    add.add_argument("--guild", type=int, required=True, help="the server (its id)")
    add.add_argument("--side", choices=[s.value for s in Side], required=True)
    add.add_argument("--title", required=True, help="its title, or a label (with --label)")
    add.add_argument("--label", action="store_true", help="the title is a label we give it")
    add.add_argument("--author", help="omit when unknown")
    add.add_argument("--author-note", help="where the name comes from")
    add.add_argument("--author-inferred", action="store_true", help="the essay does not name it")
    add.add_argument("--published", help="2023, 2023-05 or 2023-05-01")
    add.add_argument("--date-inferred", action="store_true", help="the essay does not state it")
    add.add_argument("--source-url")
    add.add_argument("--excerpt", action="store_true", help="the text is part of a longer piece")
    add.add_argument(
        "--accept",
        metavar="EDITS",
        help="the proposed cleaning edits to make: all, none, or numbers such as 1,3 "
        "(without it, the edits are listed and nothing is added)",
    )
    add.set_defaults(handler=cmd_corpus_add)

    scores_parser = commands.add_parser("scores", help="ratings and records")
    scores_commands = scores_parser.add_subparsers(
        dest="scores_command", required=True, metavar="ACTION"
    )
    rebuild = scores_commands.add_parser(
        "rebuild", help="recompute every rating and record from the decided rounds"
    )
    rebuild.add_argument("--guild", type=int, help="only this server (its id)")
    rebuild.set_defaults(handler=cmd_scores_rebuild)
    return parser


def event_loop_factory() -> Callable[[], asyncio.AbstractEventLoop]:
    """uvloop's event loop where it is installed (not on Windows), else asyncio's own."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop
    return uvloop.new_event_loop


def main(argv: Sequence[str] | None = None, *, clock: Clock | None = None) -> int:
    """The command line. `clock`: the time the bot runs on (the system clock if None);
    tests and benchmarks hand in one they move (see emulator.clocked)."""
    args = build_parser().parse_args(argv)
    args.clock = clock
    from bot.settings import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as exc:
        console.print(f"[red]Configuration error[/] {escape(str(exc))}")
        return 2
    logging.basicConfig(
        level=settings.log_level_number,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # moot has no voice features; discord.py's warning about voice libraries is noise.
    logging.getLogger("discord.client").addFilter(
        lambda record: "voice will NOT be supported" not in record.getMessage()
    )
    # Alembic reports every step at INFO; the command line says what matters itself. The
    # scheduler reports every alarm it adds and runs (several a second in a busy server).
    for noisy in ("alembic", "apscheduler"):
        logging.getLogger(noisy).setLevel(max(settings.log_level_number, logging.WARNING))
    # The failures reported below; their modules load once a command runs, not for --help.
    from sqlalchemy.exc import DBAPIError, OperationalError

    from bot.corpus import CorpusError
    from bot.runtime import StartupError

    handler: Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, None]] = args.handler
    try:
        with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
            runner.run(handler(settings, args))
    except CorpusError as exc:
        console.print(f"[red]Corpus import failed, nothing was changed:[/] {escape(str(exc))}")
        return 1
    except StartupError as exc:
        doing = "sync" if args.command == "sync" else "start"
        console.print(f"[red]Cannot {doing}:[/] {escape(str(exc))}")
        return 1
    except CommandError as exc:
        console.print(f"[red]{escape(str(exc))}[/]")
        return 1
    except (OperationalError, DBAPIError, OSError) as exc:
        if isinstance(exc, OSError) and exc.filename is not None:
            # A file (a format, an essay), not a connection: name it, not the database.
            console.print(f"[red]Cannot read {escape(str(exc.filename))}:[/] {exc.strerror}")
            return 1
        reason = getattr(exc, "orig", None) or exc
        console.print(f"[red]Cannot use the database[/] (MOOT_DATABASE_URL): {escape(str(reason))}")
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
