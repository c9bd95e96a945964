"""The offline sandbox: the emulator, the real bot, and a console to play the members.

A line is `member: action`, where the action is one of
  /command sub option:value option:"quoted value"   run a slash command
  autocomplete /command sub option:partial           show what autocomplete offers
  click "Label"                                      click a button on the latest message with it
  menu "Save as quote"                               use a message menu on the latest member post
  submit field:"value" ...                           fill in and submit the last modal shown
  say some text                                      post a message in the current channel
Other lines: `in #channel` (switch channel), `as member` (then lines may omit `member:`),
`grant /command @Role` (what an admin does in Server Settings > Integrations),
`wait DURATION` (`90`, `30s`, `5m`, `1h`: let that much time pass and show what moot
posted meanwhile), `members`, `help`, `quit`; `# ...` is a comment.

The sandbox has its own clock. In a script it stands still between lines, so nothing
happens by itself until a `wait`; typed at the console it also runs with real time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import shlex
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.text import Text

from bot import migrate
from bot.db import Database
from bot.runtime import stop
from bot.services.corpus_import import import_corpus
from bot.settings import Settings
from emulator import (
    CommandUnavailable,
    Emulator,
    Interaction,
    ManualClock,
    Message,
    NoReply,
    Role,
    World,
    seed_world,
)
from emulator.timeline import Timeline

GUIDE = __doc__.split("\n", 2)[2] if __doc__ else ""
MENTION = re.compile(r"<(?P<kind>@&|@!?|#)(?P<id>\d+)>")
TIMESTAMP = re.compile(r"<t:(?P<at>-?\d+)(?::(?P<style>[tTdDfFR]))?>")
LINE = re.compile(r"^(?:(?P<member>[\w-]+):\s*)?(?P<action>.+)$")
DURATION = re.compile(r"^(?P<amount>\d+(?:\.\d+)?)(?P<unit>[smh]?)$")
UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600}
# How often the console's clock catches up with real time.
TICK_SECONDS = 0.25


class ScriptError(Exception):
    """A line the sandbox cannot understand."""


def parse_duration(text: str) -> float:
    """Seconds in `90`, `30s`, `5m` or `1h`."""
    found = DURATION.match(text.strip().lower())
    if found is None:
        raise ScriptError(f"wait for how long? {text!r} is not like 90, 30s, 5m or 1h")
    return float(found["amount"]) * UNIT_SECONDS[found["unit"]]


@dataclass
class Sandbox:
    emulator: Emulator
    world: World
    console: Console
    # The clock the bot and the emulator read, and the hold on it.
    timeline: Timeline
    channel_name: str = "general"
    member_name: str = "alice"
    last_modal: Interaction | None = None
    # The newest message id already shown; newer bot messages are printed after a line.
    seen: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def channel(self) -> Any:
        return self.world.channel(self.channel_name)

    async def run_line(self, raw: str) -> bool:
        """Run one line; False when the session should end."""
        line = raw.strip()
        if not line or line.startswith("# ") or line == "#":
            return True
        self.console.print(Text(f"» {line}", style="bold cyan"))
        words = line.split()
        if line in ("quit", "exit"):
            return False
        if line == "help":
            self.console.print(GUIDE)
            return True
        if line == "members":
            self.console.print(", ".join(self.world.members))
            return True
        if words[0] == "in" and len(words) == 2:
            self.world.channel(words[1])
            self.channel_name = words[1].lstrip("#")
            return True
        if words[0] == "as" and len(words) == 2:
            self.world.member(words[1])
            self.member_name = words[1]
            return True
        if words[0] == "grant" and len(words) == 3:
            role = self._value(words[2])
            if not isinstance(role, Role):
                raise ScriptError(f"{words[2]} is not a role")
            self.emulator.grant(self.world.guild, words[1], role)
            self.console.print(f"{words[1]} is now available to @{role.name.lstrip('@')}")
            return True
        if words[0] == "wait" and len(words) == 2:
            await self.wait(parse_duration(words[1]))
            return True
        match = LINE.match(line)
        assert match is not None
        member_name = match["member"] or self.member_name
        try:
            member = self.world.member(member_name)
        except KeyError as exc:
            raise ScriptError(str(exc.args[0])) from None
        await self._act(member_name, member, match["action"].strip())
        return True

    async def wait(self, seconds: float) -> None:
        """Let `seconds` pass on the clock, every alarm of the bot ringing at its own
        instant on the way, and show what the bot posted meanwhile."""
        clock = self.timeline.clock
        target = clock.now() + timedelta(seconds=seconds)
        await self.timeline.idle()
        while (ahead := clock.next_deadline()) is not None and ahead <= target:
            await self.timeline.advance_to(max(ahead, clock.now()))
        await self.timeline.advance_to(max(target, clock.now()))
        self.console.print(f"[dim]… the clock reads {clock.now():%a %d %b %H:%M:%S} UTC[/]")
        self._show_new_messages()

    async def _act(self, name: str, member: Any, action: str) -> None:
        before = max(self.emulator.messages, default=0)
        self.seen = before
        try:
            if action.startswith("/"):
                command, options = self._parse_command(action)
                result = await self.emulator.slash(member, self.channel, command, **options)
                self._show_interaction(result)
            elif action.startswith("autocomplete "):
                command, options = self._parse_command(action.removeprefix("autocomplete "))
                if not options:
                    raise ScriptError("autocomplete needs option:partial-text")
                focused, value = list(options.items())[-1]
                others = {k: v for k, v in options.items() if k != focused}
                choices = await self.emulator.autocomplete(
                    member, self.channel, command, focused, str(value), **others
                )
                names = [c["name"] for c in choices] or ["(no suggestions)"]
                self.console.print(Panel("\n".join(names), title=f"suggestions for {focused}"))
            elif action.startswith("menu "):
                name = shlex.split(action.removeprefix("menu "))[0]
                target = self._latest_member_message()
                result = await self.emulator.context_menu(member, name, target)
                self._show_interaction(result)
            elif action.startswith("click "):
                label = shlex.split(action.removeprefix("click "))[0]
                message = self._latest_with_button(label)
                result = await self.emulator.click(member, message, label)
                self._show_interaction(result)
            elif action.startswith("submit"):
                if self.last_modal is None:
                    raise ScriptError("no form is open: nothing to submit")
                values = {k: str(v) for k, v in self._parse_options(action[6:]).items()}
                result = await self.emulator.submit_modal(member, self.last_modal, values)
                self.last_modal = None
                self._show_interaction(result)
            elif action.startswith("say "):
                await self.emulator.post(member, self.channel, action.removeprefix("say "))
                self.console.print(Text(f"{name} in #{self.channel_name}: {action[4:]}"))
            else:
                raise ScriptError(f"I don't understand {action!r}; type `help`")
        except CommandUnavailable as exc:
            self.console.print(f"[yellow]Discord would not allow that:[/] {escape(str(exc))}")
        except NoReply as exc:
            self.failures.append(str(exc))
            self.console.print(f"[red]✗ {escape(str(exc))}[/]")
        await self.timeline.idle()
        self._show_new_messages()

    def _parse_command(self, text: str) -> tuple[str, dict[str, Any]]:
        try:
            tokens = shlex.split(text)
        except ValueError as exc:
            raise ScriptError(f"cannot read that line: {exc}") from None
        path = []
        while tokens and ":" not in tokens[0]:
            path.append(tokens.pop(0))
        return " ".join(path), self._parse_options(" ".join(shlex.quote(t) for t in tokens))

    def _parse_options(self, text: str) -> dict[str, Any]:
        # `query:offshore balancing` works unquoted: a word without a colon continues the
        # option before it.
        raw: dict[str, str] = {}
        last = None
        for token in shlex.split(text):
            key, sep, value = token.partition(":")
            if sep and re.fullmatch(r"[a-z_-]+", key):
                raw[key] = value
                last = key
            elif last is not None:
                raw[last] += " " + token
            else:
                raise ScriptError(f"options look like name:value, not {token!r}")
        return {key: self._value(value) for key, value in raw.items()}

    def _value(self, value: str) -> Any:
        if value.startswith("#"):
            return self.world.channel(value)
        if value.startswith("@"):
            name = value[1:]
            if name in self.world.members:
                return self.world.members[name]
            for role in self.world.guild.roles.values():
                if role.name.lstrip("@").lower() == name.lower():
                    return role
            raise ScriptError(f"no member or role called {value}")
        return value

    def _latest_member_message(self) -> Message:
        for message in sorted(self.emulator.messages.values(), key=lambda m: -m.id):
            if message.channel_id == self.channel.id and not message.data["author"].get("bot"):
                return message
        raise ScriptError(f"nobody has posted in #{self.channel_name} yet")

    def _latest_with_button(self, label: str) -> Message:
        for message in sorted(self.emulator.messages.values(), key=lambda m: -m.id):
            if message.deleted:
                continue
            if any((b.get("label") or "").lower() == label.lower() for b in message.buttons()):
                return message
        raise ScriptError(f"no message has a button {label!r}")

    def _show_interaction(self, interaction: Interaction) -> None:
        if interaction.errors:
            self.failures.append("; ".join(interaction.errors))
            self.console.print(f"[red]✗ Discord rejected the answer: {interaction.errors}[/]")
        if interaction.modal is not None:
            self.last_modal = interaction
            fields = [
                c.get("label") or c["custom_id"]
                for row in interaction.modal.get("components", [])
                for c in row.get("components", [])
            ]
            self.console.print(
                Panel(
                    "fields: " + ", ".join(fields),
                    title=f"form: {interaction.modal.get('title')}",
                )
            )
        if interaction.response_type == 7 and interaction.original is not None:
            self._render(interaction.original, "moot (message updated)")
        reply = interaction.reply
        if reply is not None and reply.ephemeral:
            self._render(reply, "moot (only you can see this)")
        for followup in interaction.followups[1:]:
            if followup.ephemeral:
                self._render(followup, "moot (only you can see this)")

    def _show_new_messages(self) -> None:
        for message in sorted(self.emulator.messages.values(), key=lambda m: m.id):
            if message.id <= self.seen or message.ephemeral or message.deleted:
                continue
            if not message.data["author"].get("bot"):
                continue
            channel = self.world.guild.channels.get(message.channel_id)
            where = f"#{channel.name}" if channel else "?"
            self._render(message, f"moot in {where}")
        self.seen = max(self.emulator.messages, default=0)

    def _readable(self, text: str) -> str:
        """Mentions as a client shows them: @name, #channel; then escaped for rich."""
        guild = self.world.guild

        def name(match: re.Match[str]) -> str:
            kind, number = match["kind"], int(match["id"])
            if kind == "@&":
                role = guild.roles.get(number)
                return f"@{role.name}" if role else "@unknown-role"
            if kind == "#":
                channel = guild.channels.get(number)
                return f"#{channel.name}" if channel else "#unknown"
            user = self.emulator.users.get(number)
            return f"@{user.username}" if user else "@unknown"

        def when(match: re.Match[str]) -> str:
            # A client shows a Discord timestamp in the reader's zone; the sandbox uses UTC.
            at = datetime.fromtimestamp(int(match["at"]), UTC)
            if match["style"] == "R":
                seconds = (at - self.timeline.now()).total_seconds()
                hours = abs(seconds) / 3600
                amount = f"{hours:.1f} hours" if hours >= 1 else f"{abs(seconds) / 60:.0f} minutes"
                return f"in {amount}" if seconds >= 0 else f"{amount} ago"
            return at.strftime("%a %d %b %Y %H:%M UTC")

        return escape(TIMESTAMP.sub(when, MENTION.sub(name, text)))

    def _render(self, message: Message, title: str) -> None:
        show = self._readable
        parts: list[str] = []
        if message.content:
            parts.append(show(message.content))
        for embed in message.embeds:
            if (embed.get("author") or {}).get("name"):
                parts.append(f"[dim]{show(embed['author']['name'])}[/]")
            if embed.get("title"):
                parts.append(f"[bold]{show(embed['title'])}[/]")
            if embed.get("description"):
                parts.append(show(embed["description"]))
            for item in embed.get("fields") or []:
                parts.append(f"[bold]{show(item['name'])}[/]\n{show(item['value'])}")
            if (embed.get("footer") or {}).get("text"):
                parts.append(f"[dim]{show(embed['footer']['text'])}[/]")
        for attachment in message.data.get("attachments") or []:
            parts.append(f"📎 {escape(attachment['filename'])} ({attachment['size']} bytes)")
        buttons = [f"[reverse] {escape(b.get('label') or '?')} [/]" for b in message.buttons()]
        if buttons:
            parts.append(" ".join(buttons))
        self.console.print(Panel("\n\n".join(parts) or "(empty)", title=title, expand=False))


async def run_sandbox(settings: Settings, *, script: Path | None, console: Console) -> int:
    """Start the emulator and the bot on a throwaway database; play lines; return 0 if all ran."""
    if settings.log_level_number > logging.DEBUG:
        # The transcript is the output; library chatter would bury it.
        for name in ("discord", "apscheduler", "moot", "emulator"):
            logging.getLogger(name).setLevel(logging.WARNING)
    # Whole seconds: timestamps the bot shows then read like a person's clock.
    clock = ManualClock(datetime.now(UTC).replace(microsecond=0))
    emulator = await Emulator(clock=clock).start()
    timeline = Timeline(clock, emulator)
    world = seed_world(emulator)
    with tempfile.TemporaryDirectory(prefix="moot-sandbox-") as folder:
        url = f"sqlite+aiosqlite:///{folder}/sandbox.db"
        await migrate.upgrade(url)
        db = Database(url)
        async with db.session() as session:
            await import_corpus(settings.corpus_dir, session=session)
        await db.close()
        sandbox_settings = settings.model_copy(
            update={
                "token": SecretStr(emulator.token),
                "database_url": url,
                "discord_api_url": emulator.api_url,
                "discord_gateway_url": emulator.gateway_url,
                "dev_guild_id": None,
                "shard_count": None,
                "shard_ids": None,
                "guild_ready_timeout": 0.1,
            }
        )
        bot, task = await timeline.start(sandbox_settings)
        sandbox = Sandbox(emulator, world, Console(highlight=False), timeline)
        sandbox.seen = max(emulator.messages, default=0)
        console.print(
            f"[bold]moot sandbox[/]: server “{world.guild.name}”, channels #general and #debates; "
            f"members {', '.join(world.members)}. Type `help` for the line format."
        )
        try:
            if script is not None:
                lines = (await asyncio.to_thread(script.read_text, encoding="utf-8")).splitlines()
                for number, line in enumerate(lines, 1):
                    try:
                        if not await sandbox.run_line(line):
                            break
                    except (ScriptError, KeyError) as exc:
                        sandbox.failures.append(f"line {number}: {exc}")
                        console.print(f"[red]✗ line {number}: {escape(str(exc))}[/]")
            else:
                await _interactive(sandbox)
        finally:
            await stop(bot, task)
            await emulator.stop()
    if sandbox.failures:
        console.print(f"[red]{len(sandbox.failures)} line(s) failed.[/]")
        return 1
    return 0


async def _interactive(sandbox: Sandbox) -> None:
    loop = asyncio.get_running_loop()
    running_line = asyncio.Lock()
    ticker = asyncio.create_task(_follow_real_time(sandbox, running_line), name="sandbox-clock")
    try:
        while True:
            try:
                line = await loop.run_in_executor(
                    None, input, f"{sandbox.member_name} in #{sandbox.channel_name}> "
                )
            except (EOFError, KeyboardInterrupt):
                return
            async with running_line:
                try:
                    if not await sandbox.run_line(line):
                        return
                except (ScriptError, KeyError) as exc:
                    sandbox.console.print(f"[red]{escape(str(exc))}[/]")
    finally:
        ticker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ticker


async def _follow_real_time(sandbox: Sandbox, running_line: asyncio.Lock) -> None:
    """At the console the clock runs with real time, so turns end by themselves: every
    tick it moves on by the real time since the last move, and what the bot posted is
    shown. While a line runs (a `wait` moves the clock itself) it waits for the line."""
    last = time.monotonic()
    while True:
        await asyncio.sleep(TICK_SECONDS)
        if running_line.locked():
            continue
        now = time.monotonic()
        sandbox.timeline.clock.advance(now - last)
        last = now
        sandbox._show_new_messages()
