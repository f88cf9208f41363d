# The build image: Debian bookworm with the system python3 bin/build runs on, compilers and
# headers so sdists build, and the CNB user. Labels and env as the Platform API asks.
ARG BASE
FROM ${BASE}
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      python3 build-essential python3-dev pkg-config libpq-dev libffi-dev libssl-dev \
      ca-certificates curl git zstd xz-utils \
 && rm -rf /var/lib/apt/lists/*
# The host's extra CA certificates (a TLS-intercepting proxy's, say), so builds reach PyPI.
COPY extra-ca/ /usr/local/share/ca-certificates/
RUN update-ca-certificates >/dev/null \
 && groupadd --gid 1000 cnb && useradd --uid 1000 --gid 1000 --create-home --shell /bin/bash cnb
ARG STACK_ID
ENV CNB_USER_ID=1000 CNB_GROUP_ID=1000 CNB_STACK_ID=${STACK_ID} \
    PIP_CERT=/etc/ssl/certs/ca-certificates.crt
LABEL io.buildpacks.stack.id=${STACK_ID} \
      io.buildpacks.base.distro.name=debian io.buildpacks.base.distro.version=12
USER 1000:1000
