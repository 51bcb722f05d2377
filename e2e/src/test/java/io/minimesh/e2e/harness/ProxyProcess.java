package io.minimesh.e2e.harness;

/** A running mesh-proxy and its admin API. */
public record ProxyProcess(ProcessFixture process, ProxyAdmin admin) {}
