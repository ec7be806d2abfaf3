"""`seojobs schemas --write | --check`: the JSON Schemas of ``schemas/``, generated from the models."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import typer

from seojobs.cli.common import console
from seojobs.domain.contracts.documents import rendered

#: The repository's schemas/ (beside src/): where the committed documents are.
SCHEMAS_DIR = Path(__file__).resolve().parents[3] / "schemas"
#: Diff lines shown per changed file by --check.
DIFF_LINES_SHOWN = 12


@dataclass(frozen=True)
class Difference:
    """One way the committed files differ from the models."""

    path: str
    kind: Literal["changed", "missing", "stale"]
    diff: tuple[str, ...] = ()


def differences(directory: Path) -> list[Difference]:
    """What differs between the files under ``directory`` and the documents the models give."""
    wanted = rendered()
    found: list[Difference] = []
    for path, text in wanted.items():
        target = directory / path
        if not target.exists():
            found.append(Difference(path, "missing"))
            continue
        current = target.read_text()
        if current != text:
            diff = difflib.unified_diff(
                current.splitlines(), text.splitlines(), "committed", "models", lineterm="", n=0
            )
            found.append(Difference(path, "changed", tuple(diff)))
    committed = {p.relative_to(directory).as_posix() for p in directory.rglob("*.json")}
    found += [Difference(path, "stale") for path in sorted(committed - wanted.keys())]
    return found


def write(directory: Path) -> list[Difference]:
    """Make the files under ``directory`` the models' documents; the differences it removed."""
    changes = differences(directory)
    for change in changes:
        target = directory / change.path
        if change.kind == "stale":
            target.unlink()
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(rendered()[change.path])
    return changes


def schemas(
    check: bool = typer.Option(False, "--check", help="Exit 1 when the files differ from the models."),
    write_files: bool = typer.Option(False, "--write", help="Write the files from the models."),
    directory: Path = typer.Option(SCHEMAS_DIR, "--dir", help="The schemas directory."),
) -> None:
    """Generate schemas/*.json from the event, dead-letter, NOTIFY and result models, or check them."""
    if check == write_files:
        console.print("[red]error:[/red] say --check or --write")
        raise typer.Exit(2)
    if write_files:
        changes = write(directory)
        for change in changes:
            console.print(f"{'removed' if change.kind == 'stale' else 'wrote'} {change.path}")
        console.print(f"{len(changes)} file(s) changed under {directory}")
        return
    changes = differences(directory)
    if not changes:
        console.print(f"schemas up to date ({len(rendered())} files under {directory})")
        return
    for change in changes:
        console.print(f"[red]{change.kind}[/red] {change.path}", highlight=False)
        for line in change.diff[2 : 2 + DIFF_LINES_SHOWN]:
            console.print(f"    {line}", highlight=False, markup=False, soft_wrap=True)
        if len(change.diff) > 2 + DIFF_LINES_SHOWN:
            console.print(f"    ... {len(change.diff) - 2 - DIFF_LINES_SHOWN} more lines", highlight=False)
    console.print(f"{len(changes)} file(s) differ from the models: run `seojobs schemas --write`")
    raise typer.Exit(1)
