"""The sandbox's view of the server: every post, edit and deletion of moot's, printed
the moment Discord sends it out, whatever the member is doing at the console."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.markup import escape

from emulator import Emulator, Message
from sandbox.render import Renderer

# A deferred answer ("moot is thinking…") carries this flag until it is filled in.
LOADING = 1 << 7


@dataclass
class Feed:
    """Follows the emulator's gateway events as a second client would (see
    `Gateway.watchers`), and prints moot's messages with the time on the sandbox clock."""

    emulator: Emulator
    renderer: Renderer
    console: Console
    # Messages already shown, so that the first look at a deferred answer is a post.
    shown: set[int] = field(default_factory=set)

    def watch(self) -> None:
        """Start following the server's events."""
        self.emulator.gateway.watchers.append(self.on_event)

    def on_event(self, event: str, data: dict[str, Any]) -> None:
        """Print what a member would see change; called as each event is sent."""
        if event == "THREAD_CREATE":
            where = self.renderer.place(int(data["id"]))
            self.console.print(f"[dim]{self._time()}[/] moot opened the thread {escape(where)}")
            return
        if event not in ("MESSAGE_CREATE", "MESSAGE_UPDATE", "MESSAGE_DELETE"):
            return
        message = self.emulator.messages.get(int(data["id"]))
        if message is None or not message.data["author"].get("bot"):
            return
        where = self.renderer.place(message.channel_id)
        if event == "MESSAGE_DELETE":
            if message.id in self.shown:
                self.console.print(
                    f"[dim]{self._time()}[/] moot deleted its message in {escape(where)}: "
                    f"[dim]{self._gist(message)}[/]"
                )
            return
        if int(message.data.get("flags") or 0) & LOADING:
            return
        if message.id in self.shown:
            title = f"moot edited its message in {where} · {self._time()}"
        else:
            self.shown.add(message.id)
            title = f"moot in {where} · {self._time()}"
        self.console.print(self.renderer.panel(message, title))

    def _time(self) -> str:
        return f"{self.renderer.clock.now():%H:%M:%S}"

    def _gist(self, message: Message) -> str:
        first = (message.text().strip().splitlines() or ["(empty)"])[0]
        return self.renderer.readable(first[:80])
