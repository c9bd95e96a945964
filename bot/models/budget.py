"""The bot's shared request pace: Discord's global limit across every process."""

from __future__ import annotations

from sqlalchemy import Double
from sqlmodel import Field, SQLModel


class RequestPace(SQLModel, table=True):
    """When the bot's next REST request may leave, on the database's clock: Discord's global
    limit is the bot's, across every process, so processes sharing a PostgreSQL database
    reserve each request's instant here, one after another at the bot's rate
    (bot/services/budget.py). One row per limit ("global")."""

    __tablename__ = "request_pace"

    scope: str = Field(primary_key=True, max_length=20)
    # Unix seconds; double precision keeps microseconds at today's epoch.
    next_at: float = Field(sa_type=Double)
