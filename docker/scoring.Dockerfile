# The scoring server as a SageMaker inference container (services/scoring/app.py).
#
# SageMaker's contract: it runs the image as `docker run <image> serve`, unpacks the model
# artefact (model_data_url, a .tar.gz holding model.json at its root) into /opt/ml/model, and
# sends GET /ping and POST /invocations to port 8080. The artefact is not baked in: a new model
# is a new artefact, not a new image. Build from the repository root, for the endpoint's
# architecture (serverless endpoints run x86_64: --platform linux/amd64):
#   docker build -f docker/scoring.Dockerfile -t bnpl-scoring .
#   docker run --rm -p 8080:8080 -v "$PWD/models/credit-v1:/opt/ml/model:ro" bnpl-scoring serve

# Build stage: install the project and its dependencies into a prefix.
FROM public.ecr.aws/docker/library/python:3.11-slim AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /tmp/src
# The project's own dependency pins. Only services/ is copied: the scoring server needs its own
# package and the shared kernel, nothing of the emulator or the CLI.
COPY pyproject.toml README.md ./
COPY services ./services
RUN pip install --prefix /install .

# Runtime stage: the installed packages and a `serve` command.
FROM public.ecr.aws/docker/library/python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    BNPL_SCORING_MODEL_DIR=/opt/ml/model

COPY --from=build /install /usr/local

# `serve` is what SageMaker runs. One worker: scoring is a sub-millisecond in-memory walk of the
# trees, and SageMaker scales by workers (serverless) or instances, not processes. The
# keep-alive outlasts SageMaker's 60-second idle connections.
RUN printf '%s\n' \
      '#!/bin/sh' \
      'exec uvicorn --factory services.scoring.app:create_app --host 0.0.0.0 --port 8080 --no-access-log --no-server-header --timeout-keep-alive 75' \
      > /usr/local/bin/serve \
 && chmod 0755 /usr/local/bin/serve \
 && useradd --system --uid 10001 --no-create-home scoring

# The model folder is mounted read-only; the server writes nothing.
USER 10001
EXPOSE 8080

HEALTHCHECK --interval=30s --timeout=3s --start-period=10s \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/ping', timeout=2)"]

# `docker run <image> serve` names it explicitly; without an argument it starts all the same.
CMD ["serve"]
