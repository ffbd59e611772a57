# ReYNa Studio: one image for every role. Build: docker build -t reyna-studio .
# Run alone (embedded PostgreSQL in the /data volume):
#   docker run -p 8080:8080 -v reyna-data:/data reyna-studio
# See docs/deployment.md for the multi-node stack (deploy/compose.yaml) and Kubernetes (deploy/k8s/).

FROM eclipse-temurin:25-jdk AS build
WORKDIR /src
# The Maven Wrapper and the poms first, so dependencies are a layer of their own.
COPY mvnw pom.xml ./
COPY .mvn .mvn
COPY core/pom.xml core/
COPY db/pom.xml db/
COPY events/pom.xml events/
COPY schema/pom.xml schema/
COPY state/pom.xml state/
COPY processors/pom.xml processors/
COPY web/pom.xml web/
COPY gateway/pom.xml gateway/
COPY app/pom.xml app/
COPY coverage/pom.xml coverage/
COPY bench/pom.xml bench/
RUN ./mvnw -B -q -pl app -am dependency:go-offline -DexcludeReactor=true || true
COPY . .
RUN ./mvnw -B -q -DskipTests -Djacoco.skip=true package -pl app -am && cp app/target/reyna.jar /reyna.jar

FROM eclipse-temurin:25-jre
# A user of its own: the studio never runs as root (and its embedded PostgreSQL refuses to).
RUN groupadd --system --gid 10001 reyna && useradd --system --uid 10001 --gid reyna --home-dir /data reyna \
    && mkdir -p /data /app && chown reyna:reyna /data
COPY --from=build /reyna.jar /app/reyna.jar
USER 10001:10001
ENV REYNA_HOST=0.0.0.0 \
    REYNA_PORT=8080 \
    REYNA_DATA_DIR=/data \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
VOLUME /data
EXPOSE 8080
# Ready means the database answers at the expected schema (docs/operations.md); bash's /dev/tcp
# needs nothing installed.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${REYNA_PORT} && printf 'GET /health/ready HTTP/1.0\\r\\n\\r\\n' >&3 && head -1 <&3 | grep -q ' 200 '"]
# SIGTERM closes sockets with 1001 (clients reconnect elsewhere and resume), refuses new
# connections, lets requests in flight finish (20 s at most), then stops the relay and processors.
STOPSIGNAL SIGTERM
ENTRYPOINT ["java", "-jar", "/app/reyna.jar"]
CMD ["serve"]
