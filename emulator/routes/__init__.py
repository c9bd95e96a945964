"""The REST routes the emulator answers, by area, in the order a request is matched."""

from __future__ import annotations

from typing import TYPE_CHECKING

from emulator.routes import application, channels, events, interactions, stages, voice

if TYPE_CHECKING:
    from emulator.rest import Route

ROUTES: list[Route] = [
    *application.ROUTES,
    *channels.ROUTES,
    *interactions.ROUTES,
    *events.ROUTES,
    *voice.ROUTES,
    *stages.ROUTES,
]
