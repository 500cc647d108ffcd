# One image for every role: `serve` by default, `migrate` as the compose one-shot.
# Build: docker build -t shipbot .   Both stages use the same base, so the venv's interpreter
# path (/usr/local/bin/python3.11) exists where it runs.
ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
# The lock alone first: this layer is rebuilt only when a pinned version changes.
COPY requirements.lock /tmp/requirements.lock
RUN /opt/venv/bin/pip install --require-hashes -r /tmp/requirements.lock
COPY pyproject.toml /src/
COPY shipbot /src/shipbot
RUN /opt/venv/bin/pip install --no-deps /src

FROM ${PYTHON_IMAGE}
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    LABELS_DIR=/data/labels \
    LOG_FORMAT=json
# A fixed uid, so volumes keep their owner across rebuilds and `runAsNonRoot` can check it.
# /app/data holds the default SQLite file for a single-container deployment.
RUN useradd --system --uid 10001 --user-group --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin shipbot \
    && install -d -o shipbot -g shipbot /app/data /data/labels
COPY --from=builder /opt/venv /opt/venv
WORKDIR /app
USER 10001:10001
# A new named volume is filled from here, so it starts out owned by shipbot.
VOLUME ["/data/labels"]
EXPOSE 8000
# Ready means the database answers at the newest migration. No curl in slim: urlopen raises
# (exit 1) on a refused connection or any non-2xx answer.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["python", "-c", \
    "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/readyz', timeout=4)"]
ENTRYPOINT ["shipbot"]
CMD ["serve"]
