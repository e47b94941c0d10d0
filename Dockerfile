# conform as a container image: the static linux binary of a release, on distroless/static (CA
# certificates, time zones, a nonroot user; no shell, no package manager). The binary is built by
# .ci/release, so it is byte for byte the release's conform_VERSION_linux_ARCH of the same
# VERSION and Go release (SHA256SUMS).
#
#   docker build --build-arg VERSION=v1.2.3 -t conform:v1.2.3 .
#   docker run --rm -e CONFORM_USERNAME -e CONFORM_PASSWORD -v "$PWD/reports:/reports" \
#     conform:v1.2.3 run --base-url https://host --format junit:/reports/junit.xml
#
# Multi-platform with buildx (--platform linux/amd64,linux/arm64): the build stage runs on the
# builder's platform and cross-compiles, as CGO_ENABLED=0 allows.

# The Go release the published binaries are built with (CI's `go version`); pinned by tag.
FROM --platform=$BUILDPLATFORM golang:1.26.8-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG TARGETOS=linux
ARG TARGETARCH=amd64
RUN bash .ci/release "$VERSION" /dist "$TARGETOS/$TARGETARCH" \
 && cp "/dist/conform_${VERSION}_${TARGETOS}_${TARGETARCH}" /conform

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /conform /usr/local/bin/conform
COPY --from=build /dist/LICENSE /dist/THIRD_PARTY_NOTICES /usr/share/doc/conform/
WORKDIR /home/nonroot
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/conform"]
CMD ["run"]
