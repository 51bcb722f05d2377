# Pilot (the control plane). Build context: the repository root, after
#   ./mvnw -B -pl pilot -am package -DskipTests
FROM eclipse-temurin:17-jre
RUN groupadd --gid 1337 minimesh && useradd --uid 1337 --gid 1337 --no-create-home --shell /usr/sbin/nologin minimesh
COPY pilot/target/minimesh-pilot-exec.jar /opt/minimesh/pilot.jar
USER 1337:1337
# 15010 xDS, 15012 xDS/TLS, 15014 monitoring (/ready, /metrics), 15017 admission webhooks.
EXPOSE 15010 15012 15014 15017
ENTRYPOINT ["java", "-XX:+UseG1GC", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-jar", "/opt/minimesh/pilot.jar"]
CMD ["--kube"]
