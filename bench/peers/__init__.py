"""Peer job systems measured like our pipeline: Celery (Redis broker), procrastinate and pgqueuer.

Run ``PYTHONPATH=. .venv/bin/python -m bench.peers [--jobs 5000]``; from code, ``bench.peers.suite.run_all``.
This package stays light: the peers' worker processes import their app modules from it.
"""
