# Multi-stage build of the `rectify` server.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY backend backend
COPY migrations migrations
COPY openapi openapi
RUN cargo build --release --locked -p rectify

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends libssl3 ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home-dir /var/lib/rectify --create-home rectify
COPY --from=build /src/target/release/rectify /usr/local/bin/rectify
USER rectify
ENV RECTIFY_BIND=0.0.0.0:8080 \
    RECTIFY_DATA_DIR=/var/lib/rectify \
    RECTIFY_LOG_FORMAT=json
VOLUME /var/lib/rectify
EXPOSE 8080
STOPSIGNAL SIGTERM
CMD ["rectify", "serve"]
