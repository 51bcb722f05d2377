#!/bin/sh
# The dataplane, started by pilot-agent (MINIMESH_PROXY_COMMAND). Same JVM flags as bin/mesh-proxy.
exec java -XX:+UseSerialGC -Xms32m -Xmx256m -XX:+ExitOnOutOfMemoryError -Xss512k -jar /opt/minimesh/mesh-proxy.jar "$@"
