#!/bin/sh
# pilot-agent in the proxy image. Small heap: it only supervises the proxy and answers probes.
exec java -XX:+UseSerialGC -Xms16m -Xmx64m -XX:+ExitOnOutOfMemoryError -jar /opt/minimesh/pilot-agent.jar "$@"
