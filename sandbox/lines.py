"""The lines of the sandbox: what a member types, and what the sandbox does with it."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.text import Text

from emulator import CommandUnavailable, Emulator, Interaction, Message, NoReply, Role, World
from emulator.timeline import Timeline
from sandbox import places
from sandbox.render import Renderer

LINE = re.compile(r"^(?:(?P<member>[\w-]+):\s*)?(?P<action>.+)$")
DURATION = re.compile(r"^(?P<amount>\d+(?:\.\d+)?)(?P<unit>[smh]?)$")
UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600}
# A live count at the end of a button's label ("Realist · 1"): a member names the button
# without it, as they would read it.
COUNT = re.compile(r"\s*·\s*\d+$")
# `\n` typed in a form's value is a new line (a speaker's points take one line each);
# it stands in for the line break while the line is split into words.
NEW_LINE = "\ue000"


GUIDE = """\
A line is `member: action`, where the action is one of
  /command sub option:value option:"quoted value"   run a slash command (`user:@bob`,
                                                     `role:@Moderators`, `channel:#debates`;
                                                     `file:@quotes.json` attaches that file,
                                                     found from the working directory or
                                                     the script's folder)
  autocomplete /command sub option:partial           show what autocomplete offers
  click "Label"                                      click a button on the latest message with it
                                                     (a live count may be left out: click Realist)
  menu "Save as quote"                               use a message menu on the latest member post
  submit field:"value" ...                           submit the form shown last (fields left out
                                                     keep what was filled in; \\n is a new line)
  say some text                                      post a message in the current channel
  join #stage                                        join a voice or Stage channel (a Stage
                                                     puts the member in its audience)
  raise hand                                         ask to speak, in a Stage's audience
  leave                                              leave voice
Other lines: `channels` (the channels and threads, numbered; who is in voice and who
speaks), `in #channel` (also `in 3`, `in "Round 1: This house…"` or the start of a name:
move there), `as member` (then lines may omit `member:`), `grant /command @Role` (what an
admin does in Server Settings > Integrations), `wait DURATION` (`90`, `30s`, `5m`, `1h`:
let that much time pass), `members`, `help`, `quit`; `# ...` is a comment.

Everything moot posts, edits or deletes is shown as it happens, with the time. The
sandbox has its own clock: in a script it stands still between lines, so nothing happens
by itself until a `wait`; typed at the console it also runs with real time."""


class ScriptError(Exception):
    """A line the sandbox cannot understand, or that asks for what is not there."""


def parse_duration(text: str) -> float:
    """Seconds in `90`, `30s`, `5m` or `1h`."""
    found = DURATION.match(text.strip().lower())
    if found is None:
        raise ScriptError(f"wait for how long? {text!r} is not like 90, 30s, 5m or 1h")
    return float(found["amount"]) * UNIT_SECONDS[found["unit"]]


def form_fields(modal: dict[str, Any]) -> list[dict[str, Any]]:
    """The text inputs of a form, in order."""
    return [
        child
        for row in modal.get("components") or []
        for child in ([row["component"]] if "component" in row else row.get("components") or [])
        if "custom_id" in child
    ]


@dataclass
class Sandbox:
    """One console's members, place and open form, playing lines against the emulator."""

    emulator: Emulator
    world: World
    console: Console
    # The clock the bot and the emulator read, and the hold on it.
    timeline: Timeline
    renderer: Renderer
    channel_id: int = 0
    member_name: str = "alice"
    last_modal: Interaction | None = None
    # Where the script is: a file it attaches may be named from there.
    script_folder: Path | None = None
    # Lines that failed: a script that has any exits non-zero.
    failures: list[str] = field(default_factory=list)

    @property
    def channel(self) -> Any:
        return self.world.guild.channels.get(self.channel_id) or self.world.general

    def prompt(self) -> str:
        """What the console asks with: who is typing, and where."""
        return f"{self.member_name} in {self.renderer.place(self.channel.id)}> "

    async def run_line(self, raw: str) -> bool:
        """Run one line; False when the session should end."""
        line = raw.strip()
        if not line or line.startswith("# ") or line == "#":
            return True
        self.console.print(Text(f"» {line}", style="bold cyan"))
        word, _, rest = line.partition(" ")
        rest = rest.strip()
        if line in ("quit", "exit"):
            return False
        if line == "help":
            self.console.print(escape(GUIDE))
            return True
        if line == "members":
            self.console.print(", ".join(self.world.members))
            return True
        if line == "channels":
            self.console.print("\n".join(escape(x) for x in places.listing(self.world)))
            return True
        if word == "in" and rest:
            try:
                place = places.find(self.world, " ".join(self._split(rest)))
            except places.PlaceError as exc:
                raise ScriptError(str(exc)) from None
            self.channel_id = place.id
            self.console.print(f"[dim]now in {escape(self.renderer.place(place.id))}[/]")
            return True
        if word == "as" and rest and " " not in rest:
            self._member(rest)
            self.member_name = rest
            return True
        if word == "grant" and len(rest.split()) == 2:
            command, target = rest.split()
            role = self._value(target)
            if not isinstance(role, Role):
                raise ScriptError(f"{target} is not a role")
            self.emulator.grant(self.world.guild, command, role)
            self.console.print(f"{command} is now available to @{role.name.lstrip('@')}")
            return True
        if word == "wait" and rest and " " not in rest:
            await self.wait(parse_duration(rest))
            return True
        match = LINE.match(line)
        assert match is not None
        member_name = match["member"] or self.member_name
        await self._act(member_name, self._member(member_name), match["action"].strip())
        return True

    async def wait(self, seconds: float) -> None:
        """Let `seconds` pass on the clock, every alarm of the bot ringing at its own
        instant on the way (what it posts is shown as it posts it)."""
        clock = self.timeline.clock
        target = clock.now() + timedelta(seconds=seconds)
        await self.timeline.idle()
        while (ahead := clock.next_deadline()) is not None and ahead <= target:
            await self.timeline.advance_to(max(ahead, clock.now()))
        await self.timeline.advance_to(max(target, clock.now()))
        self.console.print(f"[dim]… the clock reads {clock.now():%a %d %b %H:%M:%S} UTC[/]")

    def _member(self, name: str) -> Any:
        try:
            return self.world.member(name)
        except KeyError as exc:
            raise ScriptError(str(exc.args[0])) from None

    async def _act(self, name: str, member: Any, action: str) -> None:
        try:
            if action.startswith("/"):
                command, options = self._parse_command(action)
                result = await self.emulator.slash(member, self.channel, command, **options)
                self._show_interaction(result)
            elif action.startswith("autocomplete "):
                await self._autocomplete(member, action.removeprefix("autocomplete "))
            elif action.startswith("menu "):
                menu = self._split(action.removeprefix("menu "))[0]
                target = self._latest_member_message()
                self._show_interaction(await self.emulator.context_menu(member, menu, target))
            elif action.startswith("click "):
                wanted = " ".join(self._split(action.removeprefix("click ")))
                message, label = self._latest_with_button(wanted)
                self._show_interaction(await self.emulator.click(member, message, label))
            elif action == "submit" or action.startswith("submit "):
                await self._submit(member, action.removeprefix("submit"))
            elif action.startswith("join "):
                place = self._value("#" + action.removeprefix("join ").strip().lstrip("#"))
                await self.emulator.join_voice(member, place)
                self.console.print(f"{name} joined #{escape(place.name)}")
            elif action == "leave":
                await self.emulator.leave_voice(member)
                self.console.print(f"{name} left voice")
            elif action == "raise hand":
                await self.emulator.request_to_speak(member)
                self.console.print(f"{name} raised a hand to speak")
            elif action.startswith("say "):
                await self.emulator.post(member, self.channel, action.removeprefix("say "))
                where = self.renderer.place(self.channel.id)
                self.console.print(Text(f"{name} in {where}: {action[4:]}"))
            else:
                raise ScriptError(f"I don't understand {action!r}; type `help`")
        except CommandUnavailable as exc:
            self.console.print(f"[yellow]Discord would not allow that:[/] {escape(str(exc))}")
        except NoReply as exc:
            self.failures.append(str(exc))
            self.console.print(f"[red]✗ {escape(str(exc))}[/]")
        await self.timeline.idle()

    async def _autocomplete(self, member: Any, text: str) -> None:
        command, options = self._parse_command(text)
        if not options:
            raise ScriptError("autocomplete needs option:partial-text")
        focused, value = list(options.items())[-1]
        others = {k: v for k, v in options.items() if k != focused}
        suggestions = await self.emulator.autocomplete(
            member, self.channel, command, focused, str(value), **others
        )
        names = [c["name"] for c in suggestions] or ["(no suggestions)"]
        self.console.print(Panel("\n".join(names), title=f"suggestions for {focused}"))

    async def _submit(self, member: Any, text: str) -> None:
        shown = self.last_modal
        if shown is None or shown.modal is None:
            raise ScriptError("no form is open: nothing to submit")
        fields = form_fields(shown.modal)
        ids = {str(f["custom_id"]) for f in fields}
        typed = self._parse_options(text.replace("\\n", NEW_LINE), keys=ids)
        values = {k: str(v).replace(NEW_LINE, "\n") for k, v in typed.items()}
        result = await self.emulator.submit_modal(member, shown, values)
        self.last_modal = None
        self._show_interaction(result)

    def _split(self, text: str) -> list[str]:
        try:
            return shlex.split(text)
        except ValueError as exc:
            raise ScriptError(f"cannot read that line: {exc}") from None

    def _parse_command(self, text: str) -> tuple[str, dict[str, Any]]:
        tokens = self._split(text)
        path = []
        while tokens and ":" not in tokens[0]:
            path.append(tokens.pop(0))
        return " ".join(path), self._parse_options(" ".join(shlex.quote(t) for t in tokens))

    def _parse_options(self, text: str, *, keys: set[str] | None = None) -> dict[str, Any]:
        # `query:offshore balancing` works unquoted: a word that does not start with an
        # option's name and a colon continues the option before it.
        raw: dict[str, str] = {}
        last = None
        for token in self._split(text):
            key, sep, value = token.partition(":")
            is_key = key in keys if keys is not None else re.fullmatch(r"[a-z_-]+", key)
            if sep and is_key:
                raw[key] = value
                last = key
            elif last is not None:
                raw[last] += " " + token
            elif keys is not None:
                raise ScriptError(f"the form's fields are {', '.join(sorted(keys))}: {token!r}?")
            else:
                raise ScriptError(f"options look like name:value, not {token!r}")
        return {key: self._value(value) for key, value in raw.items()}

    def _value(self, value: str) -> Any:
        if value.startswith("#"):
            try:
                return places.find(self.world, value)
            except places.PlaceError as exc:
                raise ScriptError(str(exc)) from None
        if value.startswith("@"):
            name = value[1:]
            if name in self.world.members:
                return self.world.members[name]
            for role in self.world.guild.roles.values():
                if role.name.lstrip("@").lower() == name.lower():
                    return role
            path = self._local_file(name)
            if path is None:
                raise ScriptError(f"no member, role or file called {value}")
            # An attachment, as the emulator takes one: Discord uploads it with the command.
            return path.name, path.read_bytes()
        return value

    def _local_file(self, name: str) -> Path | None:
        """The file `name` names, from the working directory or else the script's folder."""
        folders = [Path.cwd()] + ([self.script_folder] if self.script_folder else [])
        for folder in folders:
            path = folder / Path(name).expanduser()
            if path.is_file():
                return path
        return None

    def _latest_member_message(self) -> Message:
        for message in reversed(self.emulator.by_channel.get(self.channel.id, [])):
            if not message.deleted and not message.data["author"].get("bot"):
                return message
        raise ScriptError(f"nobody has posted in {self.renderer.place(self.channel.id)} yet")

    def _latest_with_button(self, wanted: str) -> tuple[Message, str]:
        """The newest message with a button labelled `wanted`, and the button's label as
        it reads now: `Realist` names "Realist · 1" (its count is left out)."""
        folded = wanted.casefold()
        for message in sorted(self.emulator.messages.values(), key=lambda m: -m.id):
            if message.deleted:
                continue
            labels = [str(b.get("label") or "") for b in message.buttons()]
            for label in labels:
                if folded in (label.casefold(), COUNT.sub("", label).casefold()):
                    return message, label
        raise ScriptError(f"no message has a button {wanted!r}")

    def _show_interaction(self, interaction: Interaction) -> None:
        # Posts and edits others can see are shown by the feed as they are sent; here
        # are what only the member sees: forms and ephemeral replies.
        if interaction.errors:
            self.failures.append("; ".join(interaction.errors))
            self.console.print(f"[red]✗ Discord rejected the answer: {interaction.errors}[/]")
        if interaction.modal is not None:
            self.last_modal = interaction
            self._show_form(interaction.modal)
        reply = interaction.reply
        if reply is not None and reply.ephemeral:
            self.console.print(self.renderer.panel(reply, "moot (only you can see this)"))
        for followup in interaction.followups[1:]:
            if followup.ephemeral:
                self.console.print(self.renderer.panel(followup, "moot (only you can see this)"))

    def _show_form(self, modal: dict[str, Any]) -> None:
        rows = []
        for item in form_fields(modal):
            required = "" if item.get("required", True) else " (optional)"
            rows.append(
                f"[bold]{escape(item['custom_id'])}[/]: {escape(item.get('label') or '')}{required}"
            )
            if item.get("value"):
                prefilled = escape(str(item["value"])).replace("\n", "\\n")
                rows.append(f"  pre-filled: {prefilled}")
        ids = " ".join(f'{f["custom_id"]}:"…"' for f in form_fields(modal))
        rows.append(f"[dim]submit {escape(ids)}  (\\n for a new line; left out: kept as filled)[/]")
        self.console.print(Panel("\n".join(rows), title=f"form: {escape(str(modal.get('title')))}"))
