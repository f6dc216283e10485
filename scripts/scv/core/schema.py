"""Configuration files as typed models: YAML read with line numbers, checked by pydantic, and every
problem said the way a person editing the file needs to hear it (file:line, field, a hint)."""

from __future__ import annotations

import difflib
import ipaddress
import zoneinfo
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from croniter import croniter
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ByteSize,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
)

from scv.core.errors import Problem
from scv.core.yamlfile import YamlFile


def _cron(value: str) -> str:
    if not croniter.is_valid(value) or len(value.split()) != 5:
        raise ValueError(f"{value!r} is not a 5-field cron expression (minute hour day month weekday)")
    return value


def _timezone(value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{value!r} is not an IANA timezone such as Europe/London") from None
    return value


def _clock(value: str) -> str:
    try:
        datetime.strptime(value, "%H:%M")
    except ValueError:
        raise ValueError(f"{value!r} is not a time of day as HH:MM") from None
    return value


def _network(value: str) -> str:
    try:
        ipaddress.ip_network(value, strict=True)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not an IPv4/IPv6 address or CIDR block ({exc})") from None
    return value


_byte_sizes = TypeAdapter(ByteSize)


def size_bytes(value: Any) -> int:
    """Bytes from `6GiB`, `512MB`, `8 GB` or a whole number of bytes."""
    try:
        size = int(_byte_sizes.validate_python(value))
    except ValidationError:
        raise ValueError(f"{value!r} is not a size (e.g. 6GiB, 512MB)") from None
    if size <= 0:
        raise ValueError(f"{value!r} must be more than zero")
    return size


Cron = Annotated[str, AfterValidator(_cron)]
Timezone = Annotated[str, AfterValidator(_timezone)]
Clock = Annotated[str, AfterValidator(_clock)]
Network = Annotated[str, AfterValidator(_network)]
Size = Annotated[int, BeforeValidator(size_bytes)]

Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)]


class Strict(BaseModel):
    # Unknown keys are errors: a misspelt option silently ignored is worse than a failed PR check.
    model_config = ConfigDict(extra="forbid", frozen=True)


def parse_file(path: Path, model: type[Strict], problems: list[Problem]) -> Any:
    return validate_model(YamlFile(path), model, problems)


def validate_model(doc: YamlFile, model: type[Strict], problems: list[Problem]) -> Any:
    """The model from a parsed YAML file, or None with its problems (file:line, field) added."""
    problems += doc.problems
    if doc.problems:
        return None
    if not isinstance(doc.data, dict):
        problems.append(Problem(doc.path, 1, "", "expected a mapping of keys to values"))
        return None
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        problems += [doc.problem(err["loc"], _message(err, model)) for err in exc.errors()]
        return None


def _message(err: Any, model: type[BaseModel]) -> str:
    """Pydantic's messages, said the way a person editing YAML needs to hear them."""
    kind, loc = err["type"], err["loc"]
    if kind == "extra_forbidden":
        known = _known_keys(model, loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(known)})"
        return f"unknown key{hint}"
    if kind == "missing":
        return "required key is missing"
    if kind == "literal_error":
        return f"{err['input']!r} is not allowed; expected {err['ctx']['expected']}"
    if kind == "string_pattern_mismatch":
        return f"{err['input']!r} does not match the required pattern {err['ctx']['pattern']}"
    msg = err["msg"].removeprefix("Value error, ")
    return msg[0].lower() + msg[1:]


def _known_keys(model: type[BaseModel], loc: tuple) -> list[str]:
    """The keys allowed at loc, for 'did you mean' hints."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(part) if isinstance(current, type) else None
        if field is None:
            return []
        current = _model_in(field.annotation)
    return (
        sorted(current.model_fields) if isinstance(current, type) and issubclass(current, BaseModel) else []
    )


def _model_in(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        if (found := _model_in(arg)) is not None:
            return found
    return None
