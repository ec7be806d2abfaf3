"""`seojobs schemas --write | --check` on a directory of its own."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from seojobs.cli.main import app
from seojobs.domain.contracts.documents import rendered


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["schemas", *args], env={"COLUMNS": "250"})
    return result.exit_code, result.output


def test_write_then_check_is_clean(tmp_path: Path) -> None:
    code, out = invoke("--write", "--dir", str(tmp_path))
    assert code == 0 and f"{len(rendered())} file(s) changed" in out
    assert invoke("--check", "--dir", str(tmp_path))[0] == 0
    assert invoke("--write", "--dir", str(tmp_path))[1].startswith("0 file(s) changed")


def test_check_names_each_difference_and_fails(tmp_path: Path) -> None:
    invoke("--write", "--dir", str(tmp_path))
    envelope = tmp_path / "events" / "envelope.v1.json"
    envelope.write_text(envelope.read_text().replace('"NOOP"', '"NOOP", "PAINT_FENCE"'))
    (tmp_path / "dead_letter.v1.json").unlink()
    (tmp_path / "old.v0.json").write_text("{}")
    code, out = invoke("--check", "--dir", str(tmp_path))
    assert code == 1
    assert "changed events/envelope.v1.json" in out and "PAINT_FENCE" in out
    assert "missing dead_letter.v1.json" in out and "stale old.v0.json" in out
    assert "3 file(s) differ from the models" in out
    assert invoke("--write", "--dir", str(tmp_path))[0] == 0
    assert not (tmp_path / "old.v0.json").exists()
    assert invoke("--check", "--dir", str(tmp_path))[0] == 0


def test_one_of_write_or_check_is_needed() -> None:
    assert invoke()[0] == 2
    assert invoke("--write", "--check")[0] == 2
