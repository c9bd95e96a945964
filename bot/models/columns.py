"""What the tables' columns share: the clock their timestamps default to, and enums stored as
their values."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

E = TypeVar("E", bound=enum.StrEnum)


def utcnow() -> datetime:
    return datetime.now(UTC)


class StoredEnum(TypeDecorator[E]):
    """A StrEnum column held as its value in a plain VARCHAR: the schema and the stored
    strings are those of a String column, while a loaded row holds the member.

    Writes take the member or its value (ORM and Core alike), so a statement built with the
    plain string still works; the models annotate these columns with the enum alone, and
    the services write members.
    """

    impl = String
    cache_ok = True

    def __init__(self, enum_class: type[E], length: int) -> None:
        super().__init__(length)
        # Named as __init__'s arguments: SQLAlchemy builds the statement cache key from them.
        self.enum_class = enum_class
        self.length = length

    def process_bind_param(self, value: E | str | None, dialect: Dialect) -> str | None:
        # Through the enum, so a value it does not know fails here rather than being stored.
        return None if value is None else self.enum_class(value).value

    def process_result_value(self, value: Any, dialect: Dialect) -> E | None:
        return None if value is None else self.enum_class(value)
