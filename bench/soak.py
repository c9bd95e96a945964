"""A simulated season under faults. The bot runs as its own process against the emulator
on a clock that stands still until the script moves it (a ManualClock mirrored to a clock
file, which the bot reads through `python -m emulator.clocked`), so weeks pass in minutes
and nothing depends on how fast the machine is: every server has a daily excerpt and a
weekly planned round with sign-ups and a reminder; the rounds are played at their real
length with speeches (each speaker presses Done), votes and a ballot, and once every
member has voted the clock passes the vote window; quotes are searched and saved. All
along, the emulator answers 10% of the bot's REST calls with 429 and 2% with a 5xx, drops
the gateway every few seconds, and the bot is killed with SIGKILL and restarted several
times. At the end everything is checked against the script's own record: each excerpt
posted once per server per day, each reminder once, each round finished once with its
speeches, votes and ballot, every member's interaction answered, no message twice.
Prints the table of checks and writes bench/results/soak.json.

    .venv/bin/python bench/soak.py [--servers 50] [--weeks 3] [--kills 3]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import re
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func  # noqa: E402
from sqlmodel import col, select  # noqa: E402

from bench.bot_process import bot_database, spawn_bot  # noqa: E402
from bench.figures import machine, write_results  # noqa: E402
from bot.db import Database  # noqa: E402
from bot.domain import RoundStatus  # noqa: E402
from bot.models import Ballot, MemberQuote, Round, RoundVote, Speech  # noqa: E402
from emulator import (  # noqa: E402
    CommandUnavailable,
    Emulator,
    Interaction,
    Message,
    NoReply,
    World,
    seed_world,
)
from emulator.clock import ManualClock  # noqa: E402
from emulator.state import Channel  # noqa: E402

NAME = "soak"
# The season starts on a Monday; excerpts at 08:00 each day, the round on Wednesdays at 20:00
# with a reminder an hour before (all servers keep the default time zone, UTC).
SEASON_START = datetime(2027, 1, 4, tzinfo=UTC)
EXCERPT_AT = timedelta(hours=8)
ROUND_DAY = 2
ROUND_AT = timedelta(hours=20)
REMIND_AT = timedelta(hours=19)
TURNS = 6  # Realist vs Values, at its real length: six speeches, then two minutes of voting
# When a round waits on the bot for long, the clock moves on this much: past the lease after
# which the sweeper announces again what a killed process left unsaid (five seconds), and
# far less than any turn (a minute at the shortest).
ROUND_NUDGE = timedelta(seconds=10)
# How long, in real time, a member waits for the bot's answer (and its note) before counting
# it unanswered, and the script for the bot to serve after a start: only bounds for a
# failure. Discord's own 3-second window runs on the season's clock, which stands still.
ANSWER_SECONDS = 60.0
SERVING_SECONDS = 120.0
# A Discord timestamp in a message ("Ends <t:1799999999:R>").
DISCORD_TIME = re.compile(r"<t:(\d+):R>")
MOTION = "This house would put values before interests"
T = TypeVar("T")


@dataclass
class Server:
    """One server of the season, and what the script did there (its own record)."""

    world: World
    planned: list[int] = field(default_factory=list)
    threads: list[int] = field(default_factory=list)
    speeches: Counter[int] = field(default_factory=Counter)  # thread id -> speeches posted
    votes: Counter[int] = field(default_factory=Counter)  # thread id -> votes cast
    ballots: Counter[int] = field(default_factory=Counter)  # thread id -> ballots submitted
    quotes_saved: int = 0


@dataclass
class Check:
    what: str
    expected: int
    found: int

    @property
    def ok(self) -> bool:
        return self.expected == self.found


class Season:
    """The script: it plays the members, moves the clock, injects the faults and keeps
    the record the bot is checked against."""

    def __init__(
        self,
        emulator: Emulator,
        clock: ManualClock,
        folder: Path,
        url: str,
        *,
        servers: int,
        seed: int = 7,
    ) -> None:
        self.emulator = emulator
        # The season's time: it stands still until the script moves it. The emulator reads
        # it directly, the bot process from the file it is mirrored to.
        self.clock = clock
        assert clock.mirror is not None, "the bot process reads the clock from its mirror"
        self.clock_file = clock.mirror
        self.folder = folder
        self.url = url
        self.db = Database(url)
        self.random = random.Random(seed)
        self.servers = [Server(seed_world(emulator, f"Server {n}")) for n in range(servers)]
        self.process: Any = None
        # Members act only while nothing holds them (a kill, a gateway drop, a move of the
        # clock), and a hold waits for the actions in flight: an interaction never
        # straddles a kill or a move of the clock, so each must be answered.
        self.up = asyncio.Event()
        self.holding = asyncio.Lock()
        self.in_flight = 0
        self.idle = asyncio.Event()
        self.idle.set()
        self.interactions: list[tuple[str, Interaction]] = []
        self.answer_seconds: list[float] = []
        self.unanswered: list[str] = []
        self.unconfirmed: list[str] = []
        self.kills = 0
        self.drops = 0
        # The speeches the bot has recorded (their message ids), as last read.
        self.recorded: set[int] = set()
        self.recorded_read_at = -1.0
        self.reading = asyncio.Lock()

    # --- the bot process and the clock ---------------------------------------------

    @property
    def now(self) -> datetime:
        return self.clock.now()

    @contextlib.asynccontextmanager
    async def members_held(self) -> AsyncIterator[None]:
        """Hold the members' actions (once the ones in flight are answered) while the
        world changes under them; one hold at a time."""
        async with self.holding:
            self.up.clear()
            await self.idle.wait()
            try:
                yield
            finally:
                self.up.set()

    async def move_clock(self, instant: datetime) -> None:
        """Let time pass up to `instant` (if it is ahead), between members' actions."""
        async with self.members_held():
            if instant > self.now:
                self.clock.advance_to(instant)

    async def launch(self) -> None:
        """Start the bot process; return once it answers."""
        self.process = spawn_bot(
            self.emulator,
            self.url,
            self.folder,
            {
                # A sweep at every move of the clock: what is overdue is seen at once.
                "MOOT_SWEEP_SECONDS": "0.3",
                "MOOT_MESSAGE_CONTENT": "true",
            },
            clock_file=self.clock_file,
        )
        await self.serving()

    async def serving(self) -> None:
        """Until the bot answers a member again."""
        first = self.servers[0].world
        await self.emulator.wait_until_serving(
            first.member("alice"), first.general, timeout=SERVING_SECONDS
        )

    async def start_bot(self) -> None:
        await self.launch()
        self.up.set()

    async def kill_and_restart(self, *, then_pass: timedelta = timedelta(0)) -> None:
        """SIGKILL once no member action is in flight, start again, and let `then_pass`
        of time pass before the members go on."""
        async with self.members_held():
            self.process.send_signal(signal.SIGKILL)
            await asyncio.to_thread(self.process.wait, 30)
            self.kills += 1
            await self.launch()
            if then_pass:
                self.clock.advance(then_pass.total_seconds())

    async def drop_gateway(self) -> None:
        """Drop the bot's gateway connection between member actions, and wait until it has
        resumed. (An interaction made while the gateway is down reaches the bot after
        Discord's 3-second window, and no bot can answer it: Discord tells the member it
        failed. That is not what this season checks.)"""
        async with self.members_held():
            await self.emulator.drop_gateway()
            self.drops += 1
            await self.serving()

    async def stop_bot(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            await asyncio.to_thread(self.process.wait, 60)

    async def drop_gateway_now_and_then(self, every: float) -> None:
        # A fault at random points of the play, every `every` seconds of real time.
        while True:
            await asyncio.sleep(every)
            if self.up.is_set():
                await self.drop_gateway()

    # --- members' actions -----------------------------------------------------------

    async def act(self, what: str, action: Callable[[], Awaitable[T]]) -> T:
        """A member's action, never during a hold."""
        while True:
            await self.up.wait()
            if self.up.is_set():
                break
        self.in_flight += 1
        self.idle.clear()
        started = time.monotonic()
        try:
            result = await action()
        except NoReply:
            self.unanswered.append(what)
            raise
        finally:
            self.in_flight -= 1
            if self.in_flight == 0:
                self.idle.set()
        if isinstance(result, Interaction):
            self.interactions.append((what, result))
            self.answer_seconds.append(time.monotonic() - started)
        return result

    async def slash(
        self, server: Server, member: str, where: Channel, name: str, /, **o: Any
    ) -> Interaction:
        world = server.world
        return await self.act(
            f"/{name} by {member} in {world.guild.name}",
            lambda: self.emulator.slash(
                world.member(member), where, name, timeout=ANSWER_SECONDS, **o
            ),
        )

    async def click(
        self, server: Server, member: str, message: Message, label: str, *, confirmed: bool = False
    ) -> Interaction:
        """A member presses a button; `confirmed`: the bot answers by changing the message,
        then sends the member a note, and the press lasts until the note is there too (a
        move of the clock past its token's 15 minutes would leave the member without it)."""
        what = f"{label} by {member} in {server.world.guild.name}"

        async def press() -> Interaction:
            pressed = await self.emulator.click(
                server.world.member(member),
                self.emulator.messages[message.id],
                label,
                timeout=ANSWER_SECONDS,
            )
            if confirmed and not pressed.errors:
                with contextlib.suppress(TimeoutError):
                    await self.until(
                        lambda: pressed.followups, ANSWER_SECONDS, f"the note to {what}"
                    )
                if not pressed.followups:
                    self.unconfirmed.append(what)
            return pressed

        return await self.act(what, press)

    async def post(self, server: Server, member: str, channel: Channel, text: str) -> Message:
        return await self.act(
            f"message by {member}",
            lambda: self.emulator.post(server.world.member(member), channel, text),
        )

    # --- waiting for the bot ----------------------------------------------------------

    async def until(
        self, condition: Callable[[], T | None], timeout: float = 60, what: str = ""
    ) -> T:
        """Until `condition()` is truthy (in real time, `timeout` only bounds a failure)."""
        deadline = time.monotonic() + timeout
        while True:
            value = condition()
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"the season stalled at {self.now:%Y-%m-%d %H:%M:%S}: never saw {what}"
                )
            await asyncio.sleep(0.2)

    async def until_nudging(
        self,
        condition: Callable[[], T | None],
        what: str,
        step: timedelta = timedelta(minutes=3),
    ) -> T:
        """Wait for `condition`; if it is slow, move the clock on `step` at a time, as the
        world would: a post Discord could not take is retried once its claim's lease (two
        minutes for excerpts; five seconds for a round's announcements) runs out. When
        several wait at once, one move serves them all."""
        for _ in range(6):
            seen = self.now
            with contextlib.suppress(TimeoutError):
                return await self.until(condition, 15, what)
            if self.now == seen:
                await self.move_clock(seen + step)
        return await self.until(condition, 30, what)

    async def speech_recorded(self, message: Message, what: str) -> None:
        """Until the bot has recorded the speech posted as `message` (read from its
        database; one read at a time serves every speaker waiting)."""
        deadline = time.monotonic() + 120
        while message.id not in self.recorded:
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"the season stalled at {self.now:%Y-%m-%d %H:%M:%S}: "
                    f"the bot never recorded {what}"
                )
            async with self.reading:
                if time.monotonic() - self.recorded_read_at >= 0.2:
                    async with self.db.session() as session:
                        ids = (await session.exec(select(Speech.message_id))).all()
                    self.recorded = {i for i in ids if i is not None}
                    self.recorded_read_at = time.monotonic()
                    continue
            await asyncio.sleep(0.1)

    async def results_recorded(self, rounds: int) -> None:
        """Until the bot has saved the result messages of `rounds` rounds: the last of a
        round's writes. (Before that, a sweep after a move of the clock past its lease
        would take the result for unsaid and post it again.)"""
        deadline = time.monotonic() + 120
        while True:
            async with self.db.session() as session:
                saved = (
                    await session.exec(
                        select(func.count())
                        .select_from(Round)
                        .where(
                            Round.status == RoundStatus.DECIDED.value,
                            col(Round.result_message_id).is_not(None),
                        )
                    )
                ).one()
            if saved >= rounds:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"the season stalled at its end: {saved} of {rounds} results recorded"
                )
            await asyncio.sleep(0.2)

    # --- the season -----------------------------------------------------------------

    async def set_up(self, weeks: int) -> None:
        first_round = SEASON_START + timedelta(days=ROUND_DAY) + ROUND_AT
        await asyncio.gather(*(self.set_up_server(s, weeks, first_round) for s in self.servers))

    async def set_up_server(self, server: Server, weeks: int, first_round: datetime) -> None:
        world = server.world
        await self.slash(
            server, "mod", world.general, "excerpt setup", channel=world.general, time="08:00"
        )
        answer = await self.slash(
            server,
            "mod",
            world.debates,
            "round schedule",
            when=first_round.strftime("%d %B %Y %H:%M"),
            motion=MOTION,
            repeat="weekly",
            count=weeks,
            reminders="1h",
        )
        found = re.search(r"Planned round #(\d+)", answer.reply.content if answer.reply else "")
        assert found, (answer.reply, answer.errors, answer.response_type)
        server.planned.append(int(found[1]))

    def signup_message(self, server: Server, planned: int) -> Message | None:
        return next(
            (
                m
                for m in self.emulator.channel_messages(server.world.debates)
                if m.embeds
                and f"Planned round #{planned} "
                in (m.embeds[0].get("footer") or {}).get("text", "")
            ),
            None,
        )

    async def sign_up(self, server: Server, week: int) -> None:
        if week >= len(server.planned):
            # The next occurrence of the series: the newest sign-up message.
            def newest() -> int | None:
                ids = [
                    int(found[1])
                    for m in self.emulator.channel_messages(server.world.debates)
                    if m.embeds
                    and (
                        found := re.match(
                            r"Planned round #(\d+) ",
                            (m.embeds[0].get("footer") or {}).get("text", ""),
                        )
                    )
                ]
                fresh = [i for i in ids if i not in server.planned]
                return max(fresh) if fresh else None

            server.planned.append(await self.until(newest))
        planned = server.planned[week]
        message = await self.until(lambda: self.signup_message(server, planned))
        for member, label in (("alice", "Realist"), ("bob", "Values"), ("carol", "Audience")):
            await self.click(server, member, message, label, confirmed=True)

    def excerpts_on(self, server: Server, day: date) -> list[Message]:
        mark = f"Daily excerpt · {day.isoformat()}"
        return [
            m
            for m in self.emulator.channel_messages(server.world.general)
            if m.embeds and mark in (m.embeds[0].get("footer") or {}).get("text", "")
        ]

    def reminders_for(self, server: Server, planned: int) -> list[Message]:
        return [
            m
            for m in self.emulator.channel_messages(server.world.debates)
            if m.content.startswith(f"⏰ Planned round #{planned},")
        ]

    def round_thread(self, server: Server) -> Channel | None:
        for channel in server.world.guild.channels.values():
            if channel.name.startswith("Round ") and channel.id not in server.threads:
                return channel
        return None

    def ends(self, message: Message) -> datetime:
        """When the turn or the vote announced in `message` ends (its Discord timestamp,
        in whole seconds: the instant returned is at most a second after the end)."""
        text = self.emulator.messages[message.id].embeds[0].get("description") or ""
        found = DISCORD_TIME.search(text)
        assert found, f"no end in {text!r}"
        return datetime.fromtimestamp(int(found[1]) + 1, UTC)

    async def play_round(self, server: Server) -> Message:
        """Play the server's round up to the vote: every speech, every vote, the ballot.
        Returns the voting message (the vote closes when the clock passes its end)."""
        thread = await self.until_nudging(
            lambda: self.round_thread(server),
            f"the round thread in {server.world.guild.name}",
            ROUND_NUDGE,
        )
        server.threads.append(thread.id)
        emulator = self.emulator
        where = f"in {thread.name} of {server.world.guild.name}"

        def turns() -> list[Message]:
            return [
                m
                for m in emulator.channel_messages(thread)
                if m.embeds and "has the floor" in (m.embeds[0].get("description") or "")
            ]

        def voting() -> Message | None:
            return next(
                (m for m in emulator.channel_messages(thread) if "Voting is open" in m.text()), None
            )

        for position in range(1, TURNS + 1):
            turn = await self.until_nudging(
                lambda p=position: len(turns()) >= p and turns()[p - 1],
                f"turn {position} {where} "
                f"(messages there: {[m.text()[:30] for m in emulator.channel_messages(thread)]})",
                ROUND_NUDGE,
            )
            speaker = "alice" if position % 2 == 1 else "bob"
            speech = await self.post(
                server, speaker, thread, f"Speech {position}: interests and ideals."
            )
            server.speeches[thread.id] += 1
            # The speaker presses Done once the speech is on the record: a Done that
            # overtook the speech would leave it outside the turn.
            await self.speech_recorded(speech, f"speech {position} {where}")
            done: Interaction | None = None
            with contextlib.suppress(NoReply, CommandUnavailable):  # unanswered: counted
                done = await self.click(server, speaker, turn, "Done")
            if done is None or "turn is over" not in (done.reply.content if done.reply else ""):
                # The bot did not take the Done (or could not say so): unless the next turn
                # comes anyway, this one ends at its time.
                with contextlib.suppress(TimeoutError):
                    await self.until(lambda p=position: len(turns()) > p or voting(), 15)
                if not (len(turns()) > position or voting()):
                    await self.move_clock(self.ends(turn))
        vote = await self.until_nudging(voting, f"the vote {where}", ROUND_NUDGE)
        for member, label in (("carol", "Realist"), ("dave", "Values")):
            current = emulator.messages[vote.id]
            button = next(b["label"] for b in current.buttons() if b["label"].startswith(label))
            # The vote stays open until the clock passes its end: it is cast (one unanswered
            # counts against the bot).
            with contextlib.suppress(NoReply):
                await self.click(server, member, current, button, confirmed=True)
                server.votes[thread.id] += 1
        with contextlib.suppress(NoReply):  # counted as unanswered; the round goes on
            form = await self.click(server, "mod", vote, "Submit ballot")
            ballot = await self.act(
                "ballot",
                lambda: emulator.submit_modal(
                    server.world.member("mod"),
                    form,
                    {"winner": "realist", "points": "Alice: 28\nBob: 27", "reason": "Clearer."},
                    timeout=ANSWER_SECONDS,
                ),
            )
            if not ballot.errors:
                server.ballots[thread.id] += 1
        return vote

    async def finish_round(self, server: Server) -> None:
        """After the vote closed: the result, then a quote saved and the essays searched."""
        emulator = self.emulator
        thread = self.emulator_channel(server.threads[-1])
        await self.until_nudging(
            lambda: any("Result:" in m.text() for m in emulator.channel_messages(thread)),
            f"the result in {thread.name} of {server.world.guild.name}",
            ROUND_NUDGE,
        )
        # A member saves the opening speech as a quote; another searches the essays.
        opening = next(
            m for m in emulator.channel_messages(thread) if m.content.startswith("Speech 1:")
        )
        await self.act(
            "save quote",
            lambda: emulator.context_menu(
                server.world.member("carol"), "Save as quote", opening, timeout=ANSWER_SECONDS
            ),
        )
        server.quotes_saved += 1
        await self.slash(
            server, "bob", server.world.general, "quote search", query="balance of power"
        )

    async def day(self, week: int, weekday: int, kill_now: bool) -> None:
        day_start = SEASON_START + timedelta(days=7 * week + weekday)
        await self.move_clock(day_start + EXCERPT_AT + timedelta(seconds=5))
        if kill_now and weekday != ROUND_DAY:
            # Around the excerpt time: whatever the bot was posting is cut short.
            await self.kill_and_restart()
        for server in self.servers:
            await self.until_nudging(
                lambda s=server: self.excerpts_on(s, day_start.date()),
                f"the excerpt in {server.world.guild.name}",
            )
        if weekday != ROUND_DAY:
            return
        await asyncio.gather(*(self.sign_up(s, week) for s in self.servers))
        await self.move_clock(day_start + REMIND_AT + timedelta(seconds=5))
        for server in self.servers:
            planned = server.planned[week]
            await self.until_nudging(
                lambda s=server, p=planned: self.reminders_for(s, p),
                f"the reminder in {server.world.guild.name}",
            )
        await self.move_clock(day_start + ROUND_AT + timedelta(seconds=1))
        rounds = [asyncio.create_task(self.play_round(s)) for s in self.servers]
        if kill_now:
            # Mid-round: once the first speeches are in. Then the sweeper's lease passes,
            # so it announces what the killed process left unsaid.
            await self.until(
                lambda: (
                    any(r.done() for r in rounds)
                    or all(
                        len(s.threads) > week and s.speeches[s.threads[week]] > 0
                        for s in self.servers
                    )
                ),
                300,
                "the first speeches",
            )
            await self.kill_and_restart(then_pass=ROUND_NUDGE)
        votes = await asyncio.gather(*rounds)
        # Every member has voted: the clock passes the vote windows, the results come.
        await self.move_clock(max(self.ends(v) for v in votes))
        await asyncio.gather(*(self.finish_round(s) for s in self.servers))
        # The results are saved (and the vote buttons closed) before the day moves on.
        await self.results_recorded(len(self.servers) * (week + 1))

    async def play(self, weeks: int, kills: int) -> None:
        days = [(w, d) for w in range(weeks) for d in range(7)]
        # Kills at spread-out days, always including a round day (mid-round).
        round_days = [i for i, (_, d) in enumerate(days) if d == ROUND_DAY]
        others = [i for i in range(len(days)) if i not in round_days and i > 0]
        chosen = set(round_days[: min(kills, 1)])
        chosen |= set(self.random.sample(others, max(0, min(kills - 1, len(others)))))
        for index, (week, weekday) in enumerate(days):
            await self.day(week, weekday, index in chosen)

    # --- the checks -------------------------------------------------------------------

    async def checks(self, weeks: int) -> list[Check]:
        days = [SEASON_START.date() + timedelta(days=n) for n in range(7 * weeks)]
        n = len(self.servers)
        excerpts = [len(self.excerpts_on(s, d)) for s in self.servers for d in days]
        reminders = [len(self.reminders_for(s, p)) for s in self.servers for p in s.planned[:weeks]]
        results = [
            sum(
                "Result:" in m.text()
                for m in self.emulator.channel_messages(self.emulator_channel(t))
            )
            for s in self.servers
            for t in s.threads
        ]
        turn_posts = [
            sum(
                1
                for m in self.emulator.channel_messages(self.emulator_channel(t))
                if m.embeds and "has the floor" in (m.embeds[0].get("description") or "")
            )
            for s in self.servers
            for t in s.threads
        ]
        nonces = Counter(
            str(m.data.get("nonce"))
            for m in self.emulator.messages.values()
            if m.data.get("nonce") and int(m.data["author"]["id"]) == self.emulator.bot_user.id
        )
        unanswered = [w for w, i in self.interactions if i.errors or i.response_type is None]
        unanswered += self.unanswered
        async with self.db.session() as session:
            decided = (
                await session.exec(
                    select(func.count())
                    .select_from(Round)
                    .where(Round.status == RoundStatus.DECIDED.value)
                )
            ).one()
            speeches = (await session.exec(select(func.count()).select_from(Speech))).one()
            votes = (await session.exec(select(func.count()).select_from(RoundVote))).one()
            ballots = (await session.exec(select(func.count()).select_from(Ballot))).one()
            quotes = (await session.exec(select(func.count()).select_from(MemberQuote))).one()
            with_speeches = (
                await session.exec(select(func.count(func.distinct(Speech.round_id))))
            ).one()
        played = n * weeks
        return [
            Check("excerpts posted once per server per day", len(excerpts), excerpts.count(1)),
            Check("reminders sent once per planned round", len(reminders), reminders.count(1)),
            Check(
                "round threads opened (one per round)",
                played,
                sum(
                    1
                    for s in self.servers
                    for c in s.world.guild.channels.values()
                    if c.name.startswith("Round ")
                ),
            ),
            Check("rounds decided", played, decided),
            Check("result posted once per round", played, results.count(1)),
            Check("turns announced once (6 per round)", played, turn_posts.count(TURNS)),
            Check("rounds with speeches recorded", played, with_speeches),
            Check(
                "speeches recorded", sum(sum(s.speeches.values()) for s in self.servers), speeches
            ),
            Check("votes counted", sum(sum(s.votes.values()) for s in self.servers), votes),
            Check("ballots recorded", sum(sum(s.ballots.values()) for s in self.servers), ballots),
            Check("quotes saved", sum(s.quotes_saved for s in self.servers), quotes),
            Check(
                "member interactions answered",
                len(self.interactions) + len(self.unanswered),
                len(self.interactions) + len(self.unanswered) - len(unanswered),
            ),
            Check("bot messages sharing a nonce", 0, sum(c - 1 for c in nonces.values() if c > 1)),
        ]

    def slowest_answers(self, count: int = 5) -> list[float]:
        """How long each member waited for the bot's answer, in real seconds (to a deferral:
        for the answer after it; to a sign-up or a vote: for the note), the slowest `count`.
        Discord's 3-second window runs on the season's clock, which stands still while a
        member waits: this is the bot's speed, not a check."""
        return [round(d, 2) for d in sorted(self.answer_seconds, reverse=True)[:count]]

    def failed_answers(self) -> list[str]:
        """Interactions Discord refused the bot's answer to: each answer's arrival (seconds
        after the interaction) and status, and why it was refused."""
        calls: dict[int, list[str]] = {}
        for call in self.emulator.calls:
            found = re.match(r"/api/v\d+/interactions/(\d+)/[^/]+/callback", call.path)
            if found:
                created = self.emulator.interactions[int(found[1])].created
                answer = f"{call.at - created:.2f}s:{call.status}"
                calls.setdefault(int(found[1]), []).append(answer)
        return [
            f"{i.data.get('name') or i.data.get('custom_id')}: {' '.join(calls.get(i.id, []))} "
            f"{i.errors}"
            for i in self.emulator.interactions.values()
            if i.errors
        ]

    def emulator_channel(self, channel_id: int) -> Channel:
        for server in self.servers:
            found = server.world.guild.channels.get(channel_id)
            if found is not None:
                return found
        raise KeyError(channel_id)


async def run_season(
    *,
    servers: int,
    weeks: int,
    kills: int,
    drop_every: float = 5.0,
    folder: Path,
    faults: bool = True,
) -> tuple[Season, list[Check], dict[str, Any]]:
    """Play a season in `folder` and check it; (season, checks, figures)."""
    # The season's clock, written to a file at every move for the bot process; Discord's
    # timers and timestamps run on it too.
    clock = ManualClock(SEASON_START + timedelta(hours=1), mirror=folder / "clock.json")
    emulator = await Emulator(clock=clock).start()
    season: Season | None = None
    try:
        url = await bot_database(folder)
        season = Season(emulator, clock, folder, url, servers=servers)
        await season.start_bot()
        started = time.monotonic()
        if faults:
            emulator.faults.rate_limit = 0.10
            emulator.faults.server_error = 0.02
        dropper = asyncio.create_task(
            season.drop_gateway_now_and_then(drop_every if faults else 1e9)
        )
        try:
            await season.set_up(weeks)
            await season.play(weeks, kills)
        finally:
            dropper.cancel()
            emulator.faults.rate_limit = emulator.faults.server_error = 0.0
            await season.stop_bot()
        elapsed = time.monotonic() - started
        calls = [c for c in emulator.calls if c.path.startswith("/api")]
        figures = {
            "servers": servers,
            "weeks": weeks,
            "kills": season.kills,
            "gateway_drops": season.drops,
            "rest_calls": len(calls),
            "responses_429": sum(1 for c in calls if c.status == 429),
            "responses_5xx": sum(1 for c in calls if c.status >= 500),
            "member_interactions": len(season.interactions),
            "slowest_answers_s": season.slowest_answers(),
            "failed_answers": season.failed_answers()[:10],
            "unanswered": season.unanswered[:10],
            "unconfirmed": season.unconfirmed[:10],
            "wall_seconds": round(elapsed, 1),
        }
        checks = await season.checks(weeks)
        return season, checks, figures
    finally:
        if season is not None:
            await season.db.close()
        await emulator.stop()


def table(checks: list[Check], figures: dict[str, Any]) -> Table:
    out = Table(title="Season under faults: checked against the script's own record")
    out.add_column("check")
    out.add_column("expected", justify="right")
    out.add_column("found", justify="right")
    out.add_column("ok")
    for check in checks:
        out.add_row(check.what, str(check.expected), str(check.found), "yes" if check.ok else "NO")
    for key, value in figures.items():
        out.add_row(key.replace("_", " "), "", str(value), "")
    return out


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--servers", type=int, default=50)
    parser.add_argument("--weeks", type=int, default=3)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="keep the bot's log and database here")
    parser.add_argument("--calm", action="store_true", help="no injected faults or drops")
    args = parser.parse_args()
    console = Console()
    with tempfile.TemporaryDirectory(prefix="moot-soak-") as name:
        try:
            _, checks, figures = await run_season(
                servers=args.servers,
                weeks=args.weeks,
                kills=args.kills,
                folder=Path(name),
                faults=not args.calm,
            )
        finally:
            if args.keep is not None:
                shutil.copytree(name, args.keep, dirs_exist_ok=True)
        problems = [
            line
            for line in (Path(name) / "bot.log").read_text(errors="replace").splitlines()
            if " ERROR " in line
        ]
    console.print(table(checks, figures))
    if problems:
        console.print(f"[yellow]the bot logged {len(problems)} errors, last:[/]")
        for line in problems[-5:]:
            console.print(line, markup=False, highlight=False)
    results = {
        "benchmark": NAME,
        "machine": machine(),
        **figures,
        "checks": {c.what: {"expected": c.expected, "found": c.found} for c in checks},
        "bot_errors_logged": len(problems),
        "target": "every check as expected under 10% 429s, 2% 5xx, gateway drops, SIGKILLs",
        "target_met": all(c.ok for c in checks),
    }
    write_results(NAME, results, console)
    return 0 if results["target_met"] else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
