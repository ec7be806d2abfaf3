"""The JSON Schema documents of ``schemas/``, generated from the contract models.

Each document is self-contained (no ``$ref``): a consumer in another language reads one file.
``seojobs schemas --write`` writes them, ``--check`` (and a unit test) compares them with the files.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema

from seojobs.domain.contracts.dead_letter import DeadLetterRecord
from seojobs.domain.contracts.event_payloads import PAYLOADS, TITLES
from seojobs.domain.contracts.events import Envelope
from seojobs.domain.contracts.notify import JobsChanged
from seojobs.domain.registry import KNOWN

#: The JSON Schema dialect of every document.
DRAFT = "https://json-schema.org/draft/2020-12/schema"
#: Where the documents are published; a document's ``$id`` is this plus its path.
BASE_URI = "https://seojobs.dev/schemas/"

_ENVELOPE = (
    "Every message on the job-event, work and delay topics. Key: the job id (UTF-8), so "
    "one job's events stay in one partition, in order."
)


@dataclass(frozen=True)
class SchemaDoc:
    """One published document: its path under ``schemas/``, its model, title and description."""

    path: str
    model: type[BaseModel]
    title: str
    description: str | None = None
    #: Fields outside the model are refused (additionalProperties: false).
    closed: bool = False


class _Generator(GenerateJsonSchema):
    """Pydantic's generator without a title on every property (the names say it)."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        """Never: a property's title would only repeat its name."""
        return False


def catalogue() -> tuple[SchemaDoc, ...]:
    """Every document, in a stable order."""
    docs = [
        SchemaDoc(
            "events/envelope.v1.json",
            Envelope,
            "seojobs job event envelope, version 1",
            _ENVELOPE,
            closed=True,
        )
    ]
    docs += [
        SchemaDoc(
            f"events/payloads/{etype.value}.v1.json", model, TITLES.get(etype, f"{etype.value} payload")
        )
        for etype, model in PAYLOADS.items()
    ]
    docs.append(SchemaDoc("dead_letter.v1.json", DeadLetterRecord, "A record on the dead-letter topic"))
    docs.append(
        SchemaDoc(
            "notify/jobs_changed.v1.json",
            JobsChanged,
            "The payload of a NOTIFY on the jobs channel (seojobs_jobs)",
        )
    )
    docs += [
        SchemaDoc(
            f"results/{spec.job_type.value}.v1.json",
            spec.result,
            f"The result of a {spec.job_type.value} job",
        )
        for spec in KNOWN
        if spec.result is not None
    ]
    return tuple(docs)


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    """The schema with every ``$ref`` to ``$defs`` replaced by its target (the models are not
    recursive); keywords beside a ``$ref`` (a field's description) are kept."""
    if isinstance(node, list):
        return [_inline(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        target = _inline(defs[ref.removeprefix("#/$defs/")], defs)
        target.pop("title", None)
        return {**target, **{k: _inline(v, defs) for k, v in node.items() if k != "$ref"}}
    return {k: _inline(v, defs) for k, v in node.items()}


def schema_of(doc: SchemaDoc) -> dict[str, Any]:
    """The document as a JSON object."""
    schema = doc.model.model_json_schema(schema_generator=_Generator)
    defs = schema.pop("$defs", {})
    body = _inline(schema, defs)
    body.pop("title", None)
    body.pop("description", None)
    head: dict[str, Any] = {"$schema": DRAFT, "$id": BASE_URI + doc.path, "title": doc.title}
    head["description"] = doc.description or " ".join((doc.model.__doc__ or "").split())
    if doc.closed:
        body["additionalProperties"] = False
    return {**head, **body}


def render(doc: SchemaDoc) -> str:
    """The document's file content: indented JSON, keys in generation order, a final newline."""
    return json.dumps(schema_of(doc), indent=2, ensure_ascii=False) + "\n"


def rendered() -> dict[str, str]:
    """Every document's file content by its path under ``schemas/``."""
    return {doc.path: render(doc) for doc in catalogue()}
