package io.minimesh.dataplane.listener;

import io.minimesh.dataplane.http.HcmConfig;
import io.minimesh.dataplane.tcp.TcpProxyConfig;
import io.minimesh.dataplane.tls.ServerTls;

/**
 * One compiled filter chain: its network filter (HTTP connection manager or tcp_proxy) and, when
 * it terminates TLS, its server TLS context. {@code key} identifies the chain across config
 * updates (its name, else its position) so open connections pick up new routes of the same chain.
 */
public record ListenerChain(String key, HcmConfig hcm, TcpProxyConfig tcp, ServerTls tls) {}
