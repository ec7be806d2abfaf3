"""Validation of the answer tool's input, and the JSON schema agreeing with the model."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from seojobs.domain.analysis.recommendation import (
    MAX_FIX_STEPS,
    RECOMMENDATIONS_SCHEMA,
    InvalidRecommendations,
    Recommendation,
    parse_recommendations,
)


def valid_item(**changes: Any) -> dict[str, Any]:
    """Return a valid recommendation as the model sends it, with some fields changed."""
    item: dict[str, Any] = {
        "rule": "title_missing",
        "priority": "critical",
        "expected_impact": "Titles show in search results for 40 pages.",
        "effort": "low",
        "fix_steps": ["Add a title to the product template."],
        "example": "<title>Shoes | Shop</title>",
    }
    item.update(changes)
    return item


def without(key: str) -> dict[str, Any]:
    """Return a valid recommendation missing one field."""
    item = valid_item()
    del item[key]
    return item


INVALID: list[tuple[str, object, str]] = [
    ("not an object", ["a list"], "must be a JSON object"),
    ("no recommendations key", {}, "recommendations: Field required"),
    ("empty list", {"recommendations": []}, "recommendations: List should have at least 1 item"),
    ("bad priority", {"recommendations": [valid_item(priority="urgent")]}, "0.priority"),
    ("bad effort", {"recommendations": [valid_item(effort="tiny")]}, "0.effort"),
    ("no fix steps", {"recommendations": [valid_item(fix_steps=[])]}, "0.fix_steps"),
    (
        "too many fix steps",
        {"recommendations": [valid_item(fix_steps=["step"] * (MAX_FIX_STEPS + 1))]},
        "0.fix_steps",
    ),
    ("missing impact", {"recommendations": [without("expected_impact")]}, "0.expected_impact"),
    ("empty rule", {"recommendations": [valid_item(rule="")]}, "0.rule"),
    ("extra field", {"recommendations": [valid_item(url="x")]}, "0.url"),
    ("extra top-level", {"recommendations": [valid_item()], "notes": "x"}, "notes"),
    ("step not a string", {"recommendations": [valid_item(fix_steps=[3])]}, "0.fix_steps.0"),
]


def test_a_valid_answer_parses_into_recommendations() -> None:
    answer = {"recommendations": [valid_item(), valid_item(rule="h1_missing", example=None)]}
    recommendations = parse_recommendations(answer)
    assert [r.rule for r in recommendations] == ["title_missing", "h1_missing"]
    assert recommendations[0] == Recommendation(**valid_item())
    assert recommendations[1].example is None


def test_example_may_be_omitted_and_whitespace_is_trimmed() -> None:
    item = without("example") | {"rule": " noindex ", "fix_steps": ["  Remove it. "]}
    [recommendation] = parse_recommendations({"recommendations": [item]})
    assert recommendation.rule == "noindex"
    assert recommendation.fix_steps == ["Remove it."]
    assert recommendation.example is None


@pytest.mark.parametrize(("case", "tool_input", "reason"), INVALID, ids=[c[0] for c in INVALID])
def test_invalid_input_raises_a_readable_reason(case: str, tool_input: object, reason: str) -> None:
    with pytest.raises(InvalidRecommendations) as caught:
        parse_recommendations(tool_input)
    assert reason in caught.value.reason
    assert isinstance(caught.value, ValueError)


def test_rules_outside_the_digest_are_refused_when_known_rules_are_given() -> None:
    answer = {"recommendations": [valid_item(), valid_item(rule="made_up_rule")]}
    assert len(parse_recommendations(answer)) == 2
    with pytest.raises(InvalidRecommendations, match="not in the digest: made_up_rule"):
        parse_recommendations(answer, known_rules={"title_missing"})


def test_many_problems_are_summarised() -> None:
    answer = {"recommendations": [valid_item(priority="x", effort="y")] * 4}
    with pytest.raises(InvalidRecommendations, match=r"and \d+ more problems"):
        parse_recommendations(answer)


def test_the_schema_is_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(RECOMMENDATIONS_SCHEMA)


def test_the_schema_accepts_a_valid_answer() -> None:
    answer = {"recommendations": [valid_item(), valid_item(example=None), without("example")]}
    jsonschema.validate(answer, RECOMMENDATIONS_SCHEMA)


@pytest.mark.parametrize(("case", "tool_input", "reason"), INVALID, ids=[c[0] for c in INVALID])
def test_the_schema_refuses_what_the_model_refuses(case: str, tool_input: object, reason: str) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(tool_input, RECOMMENDATIONS_SCHEMA)
