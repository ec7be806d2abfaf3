"""Field helpers shared by the contract models: string formats and optional-but-not-null fields."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import ConfigDict, Field, WithJsonSchema

#: An id travels as a UUID string; readers keep it a str (no parse on the hot path).
UuidStr = Annotated[str, Field(json_schema_extra={"format": "uuid"})]
#: An instant travels as an ISO 8601 string with its zone.
DateTimeStr = Annotated[str, Field(json_schema_extra={"format": "date-time"})]
#: A UUID string or null.
NullableUuid = Annotated[str | None, WithJsonSchema({"type": ["string", "null"], "format": "uuid"})]

#: Payloads are open: a producer may add fields, a reader ignores those it does not know.
OPEN = ConfigDict(extra="allow", frozen=True)


def require(*names: str) -> Any:
    """A ``json_schema_extra`` that lists fields as required in the published schema although the
    reader defaults them (a producer must send them; an old message without them still reads)."""

    def extra(schema: dict[str, Any]) -> None:
        required = schema.setdefault("required", [])
        required.extend(n for n in names if n not in required)

    return extra


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


#: A string a producer may leave out but never sends as null (the reader sees None when absent).
OptionalStr = Annotated[str | None, WithJsonSchema({"type": "string"}), Field(json_schema_extra=_no_default)]
#: A count (integer >= 0) a producer may leave out but never sends as null.
OptionalCount = Annotated[
    int | None, WithJsonSchema({"type": "integer", "minimum": 0}), Field(json_schema_extra=_no_default)
]
#: A flag a producer may leave out but never sends as null.
OptionalBool = Annotated[
    bool | None, WithJsonSchema({"type": "boolean"}), Field(json_schema_extra=_no_default)
]
