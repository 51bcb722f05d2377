package io.minimesh.dataplane.upstream.lb;

import io.minimesh.api.xds.v1.Locality;
import java.net.InetSocketAddress;

/** A mutable stand-in for the proxy's host. */
final class TestHost implements LbHost {
  final String name;
  final InetSocketAddress address;
  int weight = 1;
  int priority;
  boolean healthy = true;
  int active;
  int localityWeight;
  Locality locality = Locality.getDefaultInstance();

  TestHost(String name, int lastOctet) {
    this.name = name;
    this.address = new InetSocketAddress("10.0.0." + lastOctet, 8080);
  }

  static TestHost host(String name, int lastOctet) {
    return new TestHost(name, lastOctet);
  }

  TestHost weight(int w) {
    weight = w;
    return this;
  }

  TestHost priority(int p) {
    priority = p;
    return this;
  }

  TestHost unhealthy() {
    healthy = false;
    return this;
  }

  TestHost active(int a) {
    active = a;
    return this;
  }

  TestHost locality(String region, String zone, String subZone) {
    locality = Locality.newBuilder().setRegion(region).setZone(zone).setSubZone(subZone).build();
    return this;
  }

  TestHost localityWeight(int w) {
    localityWeight = w;
    return this;
  }

  @Override
  public InetSocketAddress address() {
    return address;
  }

  @Override
  public int weight() {
    return weight;
  }

  @Override
  public Locality locality() {
    return locality;
  }

  @Override
  public int priority() {
    return priority;
  }

  @Override
  public boolean healthy() {
    return healthy;
  }

  @Override
  public int activeRequests() {
    return active;
  }

  @Override
  public int localityWeight() {
    return localityWeight;
  }

  @Override
  public String toString() {
    return name;
  }
}
