# The Lambda image: one image for both Python functions. Each function picks its handler with
# `image_config.command` (the credit proxy: services.credit_proxy.handler.handler); the default
# CMD below is the credit proxy's. Build from the repository root:
#   docker build -f docker/lambda.Dockerfile -t bnpl-lambda .
# Build for the functions' architecture (x86_64 by default: --platform linux/amd64).

# Build stage: install the project and its dependencies into a directory.
FROM public.ecr.aws/lambda/python:3.11 AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /tmp/src
# What `pip install .` builds from: pyproject.toml names README.md as the readme, and the
# distribution is the five packages.
COPY pyproject.toml README.md ./
COPY appsync ./appsync
COPY bnpl ./bnpl
COPY resolvers ./resolvers
COPY schema ./schema
COPY services ./services
# Into a plain directory: the runtime imports from LAMBDA_TASK_ROOT, first on its path, so the
# pinned boto3 wins over the runtime's own copy.
RUN pip install --target /tmp/package .

# Runtime stage: the installed packages only, in the task root.
FROM public.ecr.aws/lambda/python:3.11

COPY --from=build /tmp/package ${LAMBDA_TASK_ROOT}

CMD ["services.credit_proxy.handler.handler"]
