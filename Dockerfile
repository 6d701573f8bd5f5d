# syntax=docker/dockerfile:1
# Watchkeeper: multi-stage build, slim base, dependencies from the lock file, non-root user.
#   docker build -t watchkeeper .
#   docker run --env-file .env -p 3000:3000 watchkeeper

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/watchkeeper
# Dependencies first, pinned by the lock file, so code changes reuse this layer.
COPY requirements.lock ./
RUN /opt/watchkeeper/bin/pip install --no-deps -r requirements.lock
COPY pyproject.toml README.md ./
COPY src ./src
RUN /opt/watchkeeper/bin/pip install --no-deps .

FROM python:3.11-slim AS runtime
ENV PYTHONUNBUFFERED=1 PATH=/opt/watchkeeper/bin:$PATH DATABASE_URL=sqlite:////data/watchkeeper.db
RUN groupadd --system watchkeeper && useradd --system --gid watchkeeper --home-dir /data watchkeeper \
    && mkdir -p /data && chown watchkeeper:watchkeeper /data
COPY --from=build /opt/watchkeeper /opt/watchkeeper
USER watchkeeper
WORKDIR /data
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:3000/healthz', timeout=4).status == 200 else 1)"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["watchkeeper"]
CMD ["serve", "--host", "0.0.0.0", "--port", "3000"]
