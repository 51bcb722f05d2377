#!/bin/sh
# The dataplane, started by pilot-agent (MINIMESH_PROXY_COMMAND). The same JVM flags as bin/mesh-proxy
# (see its comments); the image's JDK (eclipse-temurin:17-jre, 17.0.9 or later) knows the trimming flag.
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
exec java -XX:+UseSerialGC -Xms16m -Xmn8m -Xmx256m -XX:MaxHeapFreeRatio=40 -XX:+ExitOnOutOfMemoryError -Xss512k \
  -XX:ReservedCodeCacheSize=64m -Dio.netty.allocator.type=pooled \
  -XX:+UnlockExperimentalVMOptions -XX:TrimNativeHeapInterval=5000 \
  ${JAVA_OPTS:-} -jar /opt/minimesh/mesh-proxy.jar "$@"
