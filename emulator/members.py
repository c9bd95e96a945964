"""Acting as members: slash commands, autocomplete, buttons, modals, context menus, messages."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from emulator.options import CommandUnavailable as CommandUnavailable
from emulator.options import option_value
from emulator.state import Channel, Guild, Interaction, Member, Message, Role

if TYPE_CHECKING:
    from emulator.server import Emulator


class NoReply(AssertionError):
    """The bot did not answer an interaction in time."""


def _check_autocompletes(option: dict[str, Any]) -> None:
    """Discord's client asks the bot for suggestions only for an option registered with
    `autocomplete: true`; it lists an option's fixed choices itself."""
    if option.get("autocomplete"):
        return
    choices = [str(c["name"]) for c in option.get("choices") or []]
    listed = f": its choices are {', '.join(choices)}" if choices else ""
    raise CommandUnavailable(
        f"{option['name']} has no autocomplete{listed} (Discord's client asks the bot only "
        "about options registered with autocomplete)"
    )


@dataclass(frozen=True)
class SentInteraction:
    """An interaction Discord has received and the bot has not yet heard of."""

    guild: Guild
    interaction: Interaction
    payload: dict[str, Any]


class MemberActions:
    """Mixed into Emulator: what a member can do in a client, and waiting for the bot."""

    async def slash(
        self: Emulator,
        member: Member,
        channel: Channel,
        command: str,
        /,
        *,
        timeout: float = 30.0,
        **options: Any,
    ) -> Interaction:
        """Run `/command sub ...` with options as a member would; wait for the bot's answer."""
        guild, data = self._slash_data(member, channel, command, options)
        interaction = await self._create_interaction(2, guild, channel, member, data)
        return await self.wait_answer(interaction, timeout=timeout)

    async def slash_at_once(
        self: Emulator,
        *calls: tuple[Member, Channel, str, dict[str, Any]],
        timeout: float = 30.0,
    ) -> list[Interaction]:
        """Several members' commands sent at the same moment: every interaction exists
        (its id taken) before the bot hears of the first, as when two people press Enter
        a few milliseconds apart. Waits for every answer; they are in the calls' order."""
        sent = [await self.slash_sent_now(*call) for call in calls]
        return list(await asyncio.gather(*(self.deliver(s, timeout=timeout) for s in sent)))

    async def slash_sent_now(
        self: Emulator, member: Member, channel: Channel, command: str, options: dict[str, Any]
    ) -> SentInteraction:
        """A command sent now whose event reaches the bot only at `deliver`: Discord gives
        an interaction its id when it receives it, and the gateway can bring it later,
        after the bot has acted on what others sent."""
        await self.settle()
        guild, data = self._slash_data(member, channel, command, options)
        return SentInteraction(guild, *self._new_interaction(2, guild, channel, member, data))

    async def deliver(
        self: Emulator, sent: SentInteraction, *, timeout: float = 30.0
    ) -> Interaction:
        """Bring a sent interaction to the bot and wait for its answer."""
        await self.dispatch("INTERACTION_CREATE", sent.payload, sent.guild.id)
        return await self.wait_answer(sent.interaction, timeout=timeout)

    def _slash_data(
        self: Emulator, member: Member, channel: Channel, command: str, options: dict[str, Any]
    ) -> tuple[Guild, dict[str, Any]]:
        guild = self._guild_of(channel)
        if channel.is_thread and self.archive_if_idle(guild, channel):
            raise CommandUnavailable("an archived thread takes no commands (Discord)")
        registered, path = self._find_command(guild, command, kind=1)
        self._check_visible(guild, member, registered)
        data, resolved = self._command_data(guild, registered, path, options, focused=None)
        if resolved:
            data["resolved"] = resolved
        return guild, data

    async def autocomplete(
        self: Emulator,
        member: Member,
        channel: Channel,
        command: str,
        focused: str,
        value: str,
        /,
        *,
        timeout: float = 30.0,
        **options: Any,
    ) -> list[dict[str, Any]]:
        """Type `value` into option `focused` and return the choices the bot offers."""
        guild = self._guild_of(channel)
        if channel.is_thread and self.archive_if_idle(guild, channel):
            raise CommandUnavailable("an archived thread takes no commands (Discord)")
        registered, path = self._find_command(guild, command, kind=1)
        self._check_visible(guild, member, registered)
        options = options | {focused: value}
        data, _ = self._command_data(guild, registered, path, options, focused=focused)
        interaction = await self._create_interaction(4, guild, channel, member, data)
        await self.wait_answer(interaction, timeout=timeout)
        if interaction.choices is None:
            raise NoReply(f"autocomplete for {command} {focused} got no choices")
        return interaction.choices

    async def context_menu(
        self: Emulator, member: Member, name: str, message: Message, *, timeout: float = 30.0
    ) -> Interaction:
        """Use the message context-menu command `name` on `message`."""
        guild, channel = self.guild_of_channel(message.channel_id)
        registered, _ = self._find_command(guild, name, kind=3)
        self._check_visible(guild, member, registered)
        data = {
            "id": registered["id"],
            "name": registered["name"],
            "type": 3,
            "target_id": str(message.id),
            "resolved": {"messages": {str(message.id): message.data}},
        }
        if registered.get("guild_id"):
            data["guild_id"] = registered["guild_id"]
        interaction = await self._create_interaction(2, guild, channel, member, data)
        return await self.wait_answer(interaction, timeout=timeout)

    async def click(
        self: Emulator, member: Member, message: Message, label: str, *, timeout: float = 30.0
    ) -> Interaction:
        """Click the button labelled `label` (exact, case-insensitive) on `message`."""
        current = self.messages[message.id]
        buttons = [b for b in current.buttons() if (b.get("label") or "").lower() == label.lower()]
        if not buttons:
            labels = [b.get("label") for b in current.buttons()]
            raise CommandUnavailable(f"no button {label!r} on that message (buttons: {labels})")
        button = buttons[0]
        if button.get("disabled"):
            raise CommandUnavailable(f"the button {label!r} is disabled")
        guild, channel = self.guild_of_channel(current.channel_id)
        self.archive_if_idle(guild, channel)  # its buttons still work; edits do not
        data = {"custom_id": button["custom_id"], "component_type": 2}
        interaction = await self._create_interaction(
            3, guild, channel, member, data, message=current
        )
        return await self.wait_answer(interaction, timeout=timeout)

    async def submit_modal(
        self: Emulator,
        member: Member,
        shown: Interaction,
        values: dict[str, str],
        *,
        timeout: float = 30.0,
    ) -> Interaction:
        """Fill in the modal the bot showed in answer to `shown` and submit it."""
        if shown.modal is None:
            raise CommandUnavailable("that interaction did not open a modal")
        rows = []
        for row in shown.modal.get("components") or []:
            children = []
            for child in row.get("components") or []:
                custom_id = child["custom_id"]
                # A text input's `value` is what the field holds when the form opens: a
                # field the member leaves alone is submitted as it was filled in.
                value = values.get(custom_id, child.get("value") or "")
                if custom_id not in values and not value and child.get("required", True):
                    raise CommandUnavailable(f"the modal field {custom_id!r} is required")
                children.append({"type": child["type"], "custom_id": custom_id, "value": value})
            rows.append({"type": 1, "components": children})
        guild = self.guilds[shown.guild_id]
        channel = guild.channels[shown.channel_id]
        data = {"custom_id": shown.modal["custom_id"], "components": rows}
        interaction = await self._create_interaction(
            5, guild, channel, member, data, message=shown.message, trigger=shown
        )
        return await self.wait_answer(interaction, timeout=timeout)

    def grant(self: Emulator, guild: Guild, command: str, role: Role) -> None:
        """What an admin does in Server Settings > Integrations: let `role` use `command`."""
        guild.command_overrides.setdefault(command.lstrip("/").split()[0], set()).add(role.id)

    async def post(self: Emulator, member: Member, channel: Channel, content: str) -> Message:
        """Post a message as `member`, dispatched to the bot as MESSAGE_CREATE."""
        guild = self._guild_of(channel)
        await self.settle()
        message = self.store_message(guild, channel, member.user, {"content": content}, {})
        await self.dispatch("MESSAGE_CREATE", message.data | {"member": member.to_json()}, guild.id)
        return message

    # --- waiting and looking ---------------------------------------------------------

    async def wait_until_serving(
        self: Emulator, member: Member, channel: Channel, *, timeout: float = 30.0
    ) -> None:
        """Until the bot answers /help: connected, commands synced, handling interactions."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            try:
                await self.slash(member, channel, "help", timeout=3)
                return
            except (CommandUnavailable, NoReply):
                if asyncio.get_running_loop().time() > deadline:
                    raise
                await asyncio.sleep(0.02)

    async def wait_answer(
        self: Emulator, interaction: Interaction, *, timeout: float
    ) -> Interaction:
        """Wait until the bot answered; for a deferral, until the real answer arrived."""

        def done() -> bool:
            if interaction.errors:
                return True
            if interaction.response_type is None:
                return False
            if interaction.response_type == 5:
                return interaction.reply is not None
            return True

        deadline = asyncio.get_running_loop().time() + timeout
        while not done():
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise NoReply(
                    f"no answer to interaction {interaction.data.get('name') or interaction.data}"
                    f" within {timeout}s (response type {interaction.response_type})"
                )
            interaction.changed.clear()
            try:
                await asyncio.wait_for(interaction.changed.wait(), remaining)
            except TimeoutError:
                continue
        return interaction

    async def wait_for_message(
        self: Emulator,
        channel: Channel | None = None,
        *,
        containing: str = "",
        timeout: float = 30.0,
        after: int = 0,
    ) -> Message:
        """The first channel message (id > after) whose text contains `containing`."""

        def find() -> Message | None:
            for message in self.messages.values():
                if message.id <= after or message.ephemeral or message.deleted:
                    continue
                if channel is not None and message.channel_id != channel.id:
                    continue
                if containing in message.text():
                    return message
            return None

        async with self.message_created:
            found = find()
            deadline = asyncio.get_running_loop().time() + timeout
            while found is None:
                remaining = deadline - asyncio.get_running_loop().time()
                if remaining <= 0:
                    raise NoReply(f"no message containing {containing!r} within {timeout}s")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.message_created.wait(), remaining)
                found = find()
        return found

    def channel_messages(self: Emulator, channel: Channel) -> list[Message]:
        return [m for m in self.by_channel.get(channel.id, ()) if not m.ephemeral and not m.deleted]

    # --- internals -------------------------------------------------------------------

    def _guild_of(self: Emulator, channel: Channel) -> Guild:
        return self.guilds[channel.guild_id]

    def _find_command(
        self: Emulator, guild: Guild, command: str, *, kind: int
    ) -> tuple[dict[str, Any], list[str]]:
        words = command.lstrip("/").split() if kind == 1 else [command]
        candidates = self.guild_commands.get(guild.id, []) + self.global_commands
        for registered in candidates:
            if registered["name"] == words[0] and registered.get("type", 1) == kind:
                return registered, words[1:]
        raise CommandUnavailable(f"no command {command!r} is registered for this server")

    def _check_visible(
        self: Emulator, guild: Guild, member: Member, command: dict[str, Any]
    ) -> None:
        required = command.get("default_member_permissions")
        if required is None:
            return
        needed = int(required)
        if guild.base_permissions(member) & needed == needed:
            return
        granted = guild.command_overrides.get(command["name"], set())
        if guild.id in granted or granted & set(member.roles):
            return
        raise CommandUnavailable(
            f"/{command['name']} is hidden from {member.user.username}: Discord shows it only "
            "to members with its default permissions or a role granted it in Integrations"
        )

    def _command_data(
        self: Emulator,
        guild: Guild,
        registered: dict[str, Any],
        path: list[str],
        values: dict[str, Any],
        *,
        focused: str | None,
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        resolved: dict[str, Any] = {}
        data: dict[str, Any] = {"id": registered["id"], "name": registered["name"], "type": 1}
        if registered.get("guild_id"):
            data["guild_id"] = registered["guild_id"]
        level = data
        declared = registered.get("options") or []
        for word in path:
            match = [o for o in declared if o["name"] == word and o["type"] in (1, 2)]
            if not match:
                raise CommandUnavailable(f"/{registered['name']} has no subcommand {word!r}")
            node: dict[str, Any] = {"type": match[0]["type"], "name": word, "options": []}
            level.setdefault("options", []).append(node)
            level = node
            declared = match[0].get("options") or []
        if any(o["type"] in (1, 2) for o in declared):
            raise CommandUnavailable(f"/{registered['name']} needs a subcommand")
        options = []
        names = {o["name"] for o in declared}
        unknown = set(values) - names
        if unknown:
            raise CommandUnavailable(f"unknown options {sorted(unknown)}; it has {sorted(names)}")
        if focused is not None:
            _check_autocompletes(next(o for o in declared if o["name"] == focused))
        for option in declared:
            name = option["name"]
            if name not in values:
                if option.get("required") and focused is None:
                    raise CommandUnavailable(f"option {name!r} is required")
                continue
            value = values[name]
            entry: dict[str, Any] = {"name": name, "type": option["type"]}
            if name == focused:
                entry |= {"value": str(value), "focused": True}
            else:
                entry["value"] = option_value(self, guild, option, value, resolved)
            options.append(entry)
        level["options"] = options
        return data, resolved

    async def _create_interaction(
        self: Emulator,
        kind: int,
        guild: Guild,
        channel: Channel,
        member: Member,
        data: dict[str, Any],
        *,
        message: Message | None = None,
        trigger: Interaction | None = None,
    ) -> Interaction:
        await self.settle()
        interaction, payload = self._new_interaction(
            kind, guild, channel, member, data, message=message, trigger=trigger
        )
        await self.dispatch("INTERACTION_CREATE", payload, guild.id)
        return interaction

    def _new_interaction(
        self: Emulator,
        kind: int,
        guild: Guild,
        channel: Channel,
        member: Member,
        data: dict[str, Any],
        *,
        message: Message | None = None,
        trigger: Interaction | None = None,
    ) -> tuple[Interaction, dict[str, Any]]:
        """An interaction with its id (its moment) taken now, and the event announcing it."""
        interaction = Interaction(
            id=self.ids.next(),
            token=secrets.token_urlsafe(24),
            type=kind,
            guild_id=guild.id,
            channel_id=channel.id,
            member=member,
            data=data,
            created=self.now(),
            message=message,
            trigger=trigger,
        )
        self.interactions[interaction.id] = interaction
        bot_member = guild.members[self.bot_user.id]
        payload: dict[str, Any] = {
            "id": str(interaction.id),
            "application_id": str(self.application_id),
            "type": kind,
            "token": interaction.token,
            "version": 1,
            "guild_id": str(guild.id),
            "guild": {"id": str(guild.id), "locale": "en-US", "features": []},
            "channel_id": str(channel.id),
            "channel": channel.to_json(),
            "member": member.to_json()
            | {"permissions": str(guild.permissions_in(member, channel))},
            "data": data,
            "locale": "en-US",
            "guild_locale": "en-US",
            "app_permissions": str(guild.permissions_in(bot_member, channel)),
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(guild.id)},
            "context": 0,
            "attachment_size_limit": 8 * 1024 * 1024,
        }
        if message is not None:
            payload["message"] = message.data
        return interaction, payload
