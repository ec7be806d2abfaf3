"""Live job updates: one LISTEN connection per API process, fanned out to SSE and WebSocket clients."""
