package io.minimesh.e2e.harness;

/** Debian's httpbin served by gunicorn. */
public record HttpbinProcess(ProcessFixture process, String host, int port) {

  public String url(String path) {
    return "http://" + host + ":" + port + path;
  }
}
