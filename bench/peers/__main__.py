"""``PYTHONPATH=. .venv/bin/python -m bench.peers [--jobs 5000] [--only celery,procrastinate,pgqueuer]``.

Measures the peers one after another on the stack's PostgreSQL and prints a markdown table;
``--ours-e2e``/``--ours-drain`` (our jobs/s from bench.pipeline_bench) add our ratio to each peer.
"""

from __future__ import annotations

import argparse
import logging

from bench.peers.harness import DEFAULT_TIMEOUT_S
from bench.peers.result import markdown
from bench.peers.suite import PEERS, run_all

#: Jobs per phase when --jobs is not given (the same backlog as our drain figure).
DEFAULT_JOBS = 5000


def main() -> None:
    """Parse the arguments, run the peers, print the table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--jobs", type=int, default=DEFAULT_JOBS, help="no-op jobs per phase")
    parser.add_argument("--only", default=",".join(PEERS), help="comma-separated peers to run")
    parser.add_argument("--workers", type=int, default=1, help="worker processes per peer")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S, help="seconds a phase may take")
    parser.add_argument("--ours-e2e", type=float, help="our end-to-end jobs/s, for the ratio column")
    parser.add_argument("--ours-drain", type=float, help="our drain jobs/s, for the ratio column")
    args = parser.parse_args()
    only = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = set(only) - set(PEERS)
    if unknown:
        parser.error(f"unknown peers {sorted(unknown)}; choose from {', '.join(PEERS)}")
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("bench").setLevel(logging.INFO)
    results = run_all(args.jobs, only, workers=args.workers, timeout_s=args.timeout)
    print(markdown(results, args.ours_e2e, args.ours_drain))


if __name__ == "__main__":
    main()
