# The run image: what a CPython runtime links against (ssl, ffi, sqlite, compression,
# readline, curses, dbm, uuid, expat, nsl), libpq for psycopg2 built from source (heroku-22 and
# heroku-18 carry it too), tzdata, CA certificates, bash for Procfile commands.
ARG BASE
FROM ${BASE}
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      ca-certificates tzdata libssl3 libffi8 libsqlite3-0 libbz2-1.0 liblzma5 libreadline8 \
      libncursesw6 libtinfo6 libgdbm6 libgdbm-compat4 libuuid1 zlib1g libexpat1 libnsl2 libtirpc3 \
      libpq5 \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*
COPY extra-ca/ /usr/local/share/ca-certificates/
RUN update-ca-certificates >/dev/null \
 && groupadd --gid 1000 cnb && useradd --uid 1000 --gid 1000 --create-home --shell /bin/bash cnb
ARG STACK_ID
ENV CNB_USER_ID=1000 CNB_GROUP_ID=1000 CNB_STACK_ID=${STACK_ID}
LABEL io.buildpacks.stack.id=${STACK_ID} \
      io.buildpacks.base.distro.name=debian io.buildpacks.base.distro.version=12
USER 1000:1000
