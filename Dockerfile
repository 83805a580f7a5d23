# The lab as a layered Spring Boot image. Build the jar first (./mvnw -q package -DskipTests), then
#   docker build -t spark-break-lab .            (or: docker compose build)
# JAVA_IMAGE is any Java 17+ runtime image; the default is the official Temurin JRE.
ARG JAVA_IMAGE=eclipse-temurin:17-jre

FROM ${JAVA_IMAGE} AS layers
WORKDIR /build
COPY target/spark-break-lab-*.jar app.jar
RUN java -Djarmode=tools -jar app.jar extract --layers --launcher --destination extracted

FROM ${JAVA_IMAGE}
WORKDIR /app
# Dependencies change least often, the lab's own classes most: one image layer each.
COPY --from=layers /build/extracted/dependencies/ ./
COPY --from=layers /build/extracted/spring-boot-loader/ ./
COPY --from=layers /build/extracted/snapshot-dependencies/ ./
COPY --from=layers /build/extracted/application/ ./
ENV LAB_DATA_DIR=/data
VOLUME /data
# 8080: the lab; 4040: the Spark UI; 7078/7079: the driver's RPC and block manager ports (remote mode).
EXPOSE 8080 4040 7078 7079
# Spark's JVM flags (org.apache.spark.launcher.JavaModuleOptions): the launcher does not read the
# jar manifest's Add-Opens, so they are given here.
ENTRYPOINT ["java", "-Xmx1g", "-XX:+IgnoreUnrecognizedVMOptions", \
  "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED", \
  "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED", \
  "--add-opens=java.base/java.net=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED", \
  "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED", \
  "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED", "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED", \
  "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED", \
  "--add-opens=java.base/sun.security.action=ALL-UNNAMED", "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED", \
  "--add-opens=java.security.jgss/sun.security.krb5=ALL-UNNAMED", \
  "-Djdk.reflect.useDirectMethodHandle=false", "-Dio.netty.tryReflectionSetAccessible=true", \
  "org.springframework.boot.loader.launch.JarLauncher"]
