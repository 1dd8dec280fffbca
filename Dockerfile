# `cdpfusion serve` in a container. Build: docker build -t cdpfusion .
# Run (users file with SCRAM verifiers from `cdpfusion hash-password`, data
# read-only under /data):
#   docker run -p 5432:5432 -v $PWD/users.txt:/etc/cdpfusion/users:ro \
#     -v $PWD/data:/data:ro cdpfusion --read-only
# Not built by CI: its machines have no Docker engine (docs/server.md).
FROM rust:1.94-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p cdpfusion-cli --bin cdpfusion

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/cdpfusion --create-home cdpfusion
COPY --from=build /src/target/release/cdpfusion /usr/local/bin/cdpfusion
USER cdpfusion
EXPOSE 5432
ENTRYPOINT ["cdpfusion", "serve", "--host", "0.0.0.0", "--port", "5432", \
            "--users-file", "/etc/cdpfusion/users", "--data-root", "/data", \
            "--catalog", "/var/lib/cdpfusion/segments"]
