"""The seojobs command line: stack, services, accounts, jobs, schemas."""

from __future__ import annotations

import typer

from seojobs.cli import accounts, dlq, jobs, services, stack, top
from seojobs.cli.replay import replay
from seojobs.cli.schemas import schemas

app = typer.Typer(
    help="seojobs: the background-job platform of an SEO SaaS, on Kafka.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(stack.app, name="stack", help="The native PostgreSQL + Kafka stack.")
app.add_typer(services.app, name="services", help="Run the services in the background.")
app.add_typer(accounts.users, name="user", help="Users and their API tokens.")
app.add_typer(accounts.sites, name="site", help="Sites of a user.")
app.add_typer(jobs.enqueue, name="enqueue", help="Enqueue a job.")
app.add_typer(replay, name="replay", help="Rebuild the jobs table, reprocess jobs (30-day topics).")
app.add_typer(dlq.dlq, name="dlq", help="Dead letters: list and redrive (over the API).")
app.command("top")(top.top)
app.command("status")(jobs.status)
app.command("list")(jobs.list_jobs)
app.command("stats")(jobs.stats)
app.command("migrate")(stack.migrate)
app.command("topics")(stack.topics)
app.command("serve")(services.serve)
app.command("demo")(services.demo)
app.command("schemas")(schemas)

if __name__ == "__main__":
    app()
