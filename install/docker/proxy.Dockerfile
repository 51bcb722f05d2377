# The proxy image: pilot-agent (sidecar/router agent, iptables init) + the dataplane (mesh-proxy).
# Used by injected sidecars (container minimesh-proxy, UID 1337), their init container (minimesh-init, root
# with NET_ADMIN/NET_RAW, runs `pilot-agent iptables`) and the ingress gateways. Build context: repository root,
# after ./mvnw -B -pl pilot-agent,dataplane -am package -DskipTests
FROM eclipse-temurin:17-jre
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends iptables iproute2 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 1337 istio-proxy \
 && useradd --uid 1337 --gid 1337 --no-create-home --shell /usr/sbin/nologin istio-proxy
COPY pilot-agent/target/minimesh-pilot-agent-exec.jar /opt/minimesh/pilot-agent.jar
COPY dataplane/target/minimesh-dataplane-exec.jar /opt/minimesh/mesh-proxy.jar
COPY install/docker/pilot-agent.sh /usr/local/bin/pilot-agent
COPY install/docker/mesh-proxy.sh /usr/local/bin/mesh-proxy
RUN chmod 0755 /usr/local/bin/pilot-agent /usr/local/bin/mesh-proxy \
 && mkdir -p /etc/minimesh/proxy && chown 1337:1337 /etc/minimesh/proxy
ENV MINIMESH_PROXY_COMMAND=/usr/local/bin/mesh-proxy \
    TMPDIR=/etc/minimesh/proxy
# The proxy's own traffic (UID 1337) is what the iptables rules leave alone.
USER 1337:1337
ENTRYPOINT ["/usr/local/bin/pilot-agent"]
