package dev.breaklab.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;

/**
 * {@code @Testcontainers(disabledWithoutDocker = true)} skips silently when Docker is missing or
 * unusable; where CI says Docker is required ({@code REQUIRE_DOCKER=true}) that skip must be a
 * failure, and so must a missing cluster image.
 */
class DockerRequiredTests {

    @Test
    void docker_and_the_spark_image_are_there_when_required() {
        assumeTrue("true".equals(System.getenv("REQUIRE_DOCKER")), "REQUIRE_DOCKER is not true: Docker is optional");
        assertThat(DockerClientFactory.instance().isDockerAvailable())
                .as("Docker is required (REQUIRE_DOCKER=true) but not usable")
                .isTrue();
        assertThat(DockerClientFactory.instance()
                        .client()
                        .listImagesCmd()
                        .withImageNameFilter(RemoteClusterContainerTests.IMAGE)
                        .exec())
                .as(
                        "image %s (scripts/docker-local-images.sh builds local/spark-node)",
                        RemoteClusterContainerTests.IMAGE)
                .isNotEmpty();
    }
}
