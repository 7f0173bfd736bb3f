# The credit service (services/credit) for ECS Fargate: uvicorn serving the Starlette app on
# port 8080 as a non-root user. Build from the repository root:
#   docker build -f docker/credit-service.Dockerfile -t credit-service .
# Build for the task's CPU architecture (the credit_service module's cpu_architecture, X86_64 by
# default: --platform linux/amd64).

# Build stage: install the project and its dependencies into a virtual environment.
FROM python:3.11-slim AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

RUN python -m venv /opt/venv
WORKDIR /src
# What `pip install .` builds from: pyproject.toml names README.md as the readme, and the
# distribution is the five packages (the policy and fraud lists are package data of
# services.credit). Only services/ runs here, but installing the whole distribution keeps the
# `bnpl` entry point importable.
COPY pyproject.toml README.md ./
COPY appsync ./appsync
COPY bnpl ./bnpl
COPY resolvers ./resolvers
COPY schema ./schema
COPY services ./services
RUN /opt/venv/bin/pip install .

# Runtime stage: the virtual environment only, no build inputs.
FROM python:3.11-slim

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1

# Fixed ids: the ECS task definition names the same user (10001:10001).
RUN groupadd --system --gid 10001 bnpl \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin bnpl

COPY --from=build /opt/venv /opt/venv

USER 10001:10001
EXPOSE 8080

# Settings come from the environment (services/shared/settings.py); the task definition sets them.
CMD ["uvicorn", "--factory", "services.credit.app:create_app", "--host", "0.0.0.0", "--port", "8080", "--no-server-header"]
