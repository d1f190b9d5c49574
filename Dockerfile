# syntax=docker/dockerfile:1
# Build: wheels in a full image; run: Debian slim with only WeasyPrint's Pango libraries.
FROM python:3.11-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY engine engine
COPY web web
COPY providers providers
COPY evidence_sources evidence_sources
COPY emulators emulators
RUN python -m venv /opt/disputes \
    && /opt/disputes/bin/pip install --no-cache-dir .

FROM python:3.11-slim-bookworm
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/disputes --create-home disputes
COPY --from=build /opt/disputes /opt/disputes
ENV PATH=/opt/disputes/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    DISPUTES_DATA_DIR=/var/lib/disputes
USER disputes
WORKDIR /var/lib/disputes
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=4).status != 200)"]
CMD ["disputes", "serve", "--host", "0.0.0.0", "--port", "8000"]
