# testapp: the httpbin-compatible sample upstream (also gRPC echo and TCP echo). Build context: repository root,
# after ./mvnw -B -pl testapp -am package -DskipTests
FROM eclipse-temurin:17-jre
RUN groupadd --gid 1000 app && useradd --uid 1000 --gid 1000 --no-create-home --shell /usr/sbin/nologin app
COPY testapp/target/minimesh-testapp-exec.jar /opt/minimesh/testapp.jar
USER 1000:1000
EXPOSE 8080 9090 9000
ENTRYPOINT ["java", "-XX:+UseSerialGC", "-Xmx128m", "-jar", "/opt/minimesh/testapp.jar"]
CMD ["--bind", "0.0.0.0", "--http-port", "8080", "--grpc-port", "9090", "--tcp-port", "9000"]
