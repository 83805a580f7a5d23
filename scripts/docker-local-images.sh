#!/bin/bash
# Builds, without any container registry, the images docker-compose.yml needs (../shared/DOCKER.md):
# local/jre17 (Debian's OpenJDK 17 by debootstrap) and local/spark-node (the stand-in for apache/spark,
# from the Spark jars of the lab's own build). Then:
#   SPARK_IMAGE=local/spark-node JAVA_IMAGE=local/jre17 DOCKER_BUILDKIT=0 COMPOSE_DOCKER_CLI_BUILD=0 \
#     docker-compose up --build
# Needs root, docker (legacy builder), debootstrap and a built jar (./mvnw -q package -DskipTests).
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if ! docker image inspect local/jre17 >/dev/null 2>&1; then
  debootstrap --variant=minbase --include=openjdk-17-jre-headless,ca-certificates bookworm "$work/root"
  tar -C "$work/root" -c . | docker import -c 'ENV JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64' - local/jre17
fi
jar=$(ls target/spark-break-lab-*.jar | head -1)
cp -r docker/spark-standin "$work/spark-node"
mkdir -p "$work/spark-node/jars"
unzip -q -o -j "$jar" 'BOOT-INF/lib/*' -d "$work/spark-node/jars"
DOCKER_BUILDKIT=0 docker build -t local/spark-node "$work/spark-node"
