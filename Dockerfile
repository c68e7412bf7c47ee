# wsbench in a small image: the binary, its scenarios, and a shell for the Kubernetes
# manifests (deploy/kubernetes/). Build: docker build -t wsbench:latest .
#
# The build stage compiles the release binary with the lock file's versions; the runtime
# stage is Debian slim (the binary links glibc), about 80 MB, running as an unprivileged user.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src src
COPY assets assets
RUN cargo build --release --locked --bin wsbench

FROM debian:bookworm-slim
COPY --from=build /src/target/release/wsbench /usr/local/bin/wsbench
COPY scenarios /opt/wsbench/scenarios
# `wsbench run ticker` finds scenarios/ticker.toml from here; results/ is written here too.
WORKDIR /opt/wsbench
RUN useradd --uid 10001 --no-create-home wsbench && chown wsbench /opt/wsbench
USER 10001
ENTRYPOINT ["wsbench"]
