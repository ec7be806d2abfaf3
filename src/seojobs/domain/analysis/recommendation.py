"""The recommendation model, the JSON schema of the answer tool's input, and its validation."""

from __future__ import annotations

from collections.abc import Collection
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

#: Most recommendations accepted in one answer (one per rule, with room to spare).
MAX_RECOMMENDATIONS: Final[int] = 60
#: Most fix steps accepted in one recommendation.
MAX_FIX_STEPS: Final[int] = 10
#: Longest text accepted in a field, in characters.
MAX_TEXT_CHARS: Final[int] = 2000
#: Longest example accepted, in characters (markup can be longer than prose).
MAX_EXAMPLE_CHARS: Final[int] = 4000
#: Most validation problems quoted in one error message.
MAX_REASONS: Final[int] = 5

#: How urgent a recommendation is.
Priority = Literal["critical", "high", "medium", "low"]
#: How much work a fix takes.
Effort = Literal["low", "medium", "high"]
_Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT_CHARS)]


class Recommendation(BaseModel):
    """What to do about one rule: how urgent, what it brings, how hard, the steps, an example."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rule: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    priority: Priority
    expected_impact: _Text
    effort: Effort
    fix_steps: list[_Text] = Field(min_length=1, max_length=MAX_FIX_STEPS)
    example: Annotated[str, StringConstraints(max_length=MAX_EXAMPLE_CHARS)] | None = None


class _Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    recommendations: list[Recommendation] = Field(min_length=1, max_length=MAX_RECOMMENDATIONS)


class InvalidRecommendations(ValueError):
    """The answer tool's input broke the schema; ``reason`` says how, in words a model acts on."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_TEXT_SCHEMA: Final[dict[str, Any]] = {
    "type": "string",
    "minLength": 1,
    "maxLength": MAX_TEXT_CHARS,
}

#: JSON schema of one recommendation, as the model must produce it.
RECOMMENDATION_SCHEMA: Final[dict[str, Any]] = {
    "type": "object",
    "properties": {
        "rule": {
            "type": "string",
            "minLength": 1,
            "maxLength": 100,
            "description": "The rule id from the digest this recommendation is about.",
        },
        "priority": {
            "type": "string",
            "enum": ["critical", "high", "medium", "low"],
            "description": "How urgent the fix is for this site.",
        },
        "expected_impact": {
            **_TEXT_SCHEMA,
            "description": "What fixing it changes for search visibility or users, in one or two sentences.",
        },
        "effort": {
            "type": "string",
            "enum": ["low", "medium", "high"],
            "description": "How much work the fix takes.",
        },
        "fix_steps": {
            "type": "array",
            "items": _TEXT_SCHEMA,
            "minItems": 1,
            "maxItems": MAX_FIX_STEPS,
            "description": "Concrete steps, in order.",
        },
        "example": {
            "type": ["string", "null"],
            "maxLength": MAX_EXAMPLE_CHARS,
            "description": "The fixed markup or configuration, or null when none helps.",
        },
    },
    "required": ["rule", "priority", "expected_impact", "effort", "fix_steps"],
    "additionalProperties": False,
}

#: JSON schema of the answer tool's input: ``{"recommendations": [...]}``.
RECOMMENDATIONS_SCHEMA: Final[dict[str, Any]] = {
    "type": "object",
    "properties": {
        "recommendations": {
            "type": "array",
            "items": RECOMMENDATION_SCHEMA,
            "minItems": 1,
            "maxItems": MAX_RECOMMENDATIONS,
        }
    },
    "required": ["recommendations"],
    "additionalProperties": False,
}


def _location(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(top level)"


def _describe(error: ValidationError) -> str:
    problems = error.errors(include_url=False, include_context=False, include_input=False)
    lines = [f"{_location(problem['loc'])}: {problem['msg']}" for problem in problems[:MAX_REASONS]]
    if len(problems) > MAX_REASONS:
        lines.append(f"and {len(problems) - MAX_REASONS} more problems")
    return "; ".join(lines)


def parse_recommendations(
    tool_input: object, known_rules: Collection[str] | None = None
) -> list[Recommendation]:
    """Validate the answer tool's input; with ``known_rules``, every rule must be one of them."""
    if not isinstance(tool_input, dict):
        raise InvalidRecommendations(f"the tool input must be a JSON object, got {type(tool_input).__name__}")
    try:
        answer = _Answer.model_validate(tool_input)
    except ValidationError as exc:
        raise InvalidRecommendations(_describe(exc)) from exc
    if known_rules is not None:
        unknown = sorted({rec.rule for rec in answer.recommendations} - set(known_rules))
        if unknown:
            raise InvalidRecommendations(
                f"recommendations name rules that are not in the digest: {', '.join(unknown)}"
            )
    return answer.recommendations
