"""The seojobs command line."""

from __future__ import annotations

import typer

app = typer.Typer(help="seojobs: the background-job platform on Kafka.")
