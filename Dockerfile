# The Plumb controller image: `docker build -t plumb .` at the repository root.
#
# Stage 1 builds `plumb` in release with the Swift runtime and Foundation linked statically, so
# the runtime stage needs only the Debian libraries the binary links (see `ldd plumb`: libgit2,
# libcurl, libyaml, libsqlite3, libstdc++ and what they pull in).

FROM swift:6.3-bookworm AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        pkg-config libgit2-dev libcurl4-openssl-dev libyaml-dev libsqlite3-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, so a source change does not fetch them again.
COPY Package.swift Package.resolved ./
RUN swift package resolve
COPY Sources ./Sources
COPY Benchmarks ./Benchmarks
COPY Tests ./Tests
RUN swift build -c release --product plumb --static-swift-stdlib \
    && install -D -m 0755 "$(swift build -c release --show-bin-path)/plumb" /out/plumb

FROM debian:bookworm-slim
# The shared libraries of the binary (Debian 12 package names), CA certificates for Git
# and API server TLS, and gpgv and ssh-keygen, which verify commit signatures.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        ca-certificates libgit2-1.5 libcurl4 libyaml-0-2 libsqlite3-0 libstdc++6 gpgv openssh-client \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 65532 plumb \
    && useradd --uid 65532 --gid 65532 --home-dir /var/lib/plumb --no-create-home --shell /usr/sbin/nologin plumb \
    && install -d -o 65532 -g 65532 /var/lib/plumb
COPY --from=build /out/plumb /usr/local/bin/plumb
USER 65532:65532
WORKDIR /var/lib/plumb
ENV PLUMB_CACHE_DIR=/var/lib/plumb/cache
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/plumb"]
CMD ["controller"]
