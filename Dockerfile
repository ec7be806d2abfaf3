# One image for every seojobs service (the compose file picks the command).
FROM python:3.11-slim-bookworm

# Debian's Chromium for the crawler (Playwright drives it; no browser download).
RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium fonts-liberation \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
COPY services ./services
COPY demo ./demo
COPY infra ./infra
RUN pip install --no-cache-dir -e .

ENV PYTHONUNBUFFERED=1 \
    SEOJOBS_CHROMIUM_PATH=/usr/lib/chromium/chromium
EXPOSE 8000
CMD ["python", "-m", "services.api"]
