package io.minimesh.pilot.server;

import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.protobuf.ProtoUtils;
import io.minimesh.api.xds.v1.DiscoveryResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * A DiscoveryResponse on the wire as two byte arrays: its per-stream fields (version, nonce, ...) and its
 * resources, which are serialized once and shared by every stream sending the same resources (protobuf
 * allows a message's fields in any order, and repeated ones in pieces). 200 replicas of 20 workloads then
 * cost 20 encodings of their 1000 clusters, not 200.
 */
record SerializedResponse(byte[] head, byte[] resources) {
  static SerializedResponse of(DiscoveryResponse withoutResources, byte[] resources) {
    return new SerializedResponse(withoutResources.toByteArray(), resources);
  }

  /** The ADS method's response marshaller: DiscoveryResponse messages, or SerializedResponse as is. */
  static final class Marshaller implements MethodDescriptor.Marshaller<Object> {
    private static final MethodDescriptor.Marshaller<DiscoveryResponse> PROTO = ProtoUtils.marshaller(DiscoveryResponse.getDefaultInstance());

    @Override
    public InputStream stream(Object value) {
      if (value instanceof SerializedResponse s) return new Stream(s.head, s.resources);
      return PROTO.stream((DiscoveryResponse) value);
    }

    @Override
    public Object parse(InputStream stream) {
      return PROTO.parse(stream);
    }
  }

  /** Both arrays as one stream, drained without copying them (gRPC frames it from here). */
  private static final class Stream extends InputStream implements KnownLength, Drainable {
    private final byte[] a;
    private final byte[] b;
    private int pos;

    Stream(byte[] a, byte[] b) {
      this.a = a;
      this.b = b;
    }

    @Override
    public int drainTo(OutputStream target) throws IOException {
      int n = available();
      if (pos < a.length) target.write(a, pos, a.length - pos);
      int inB = Math.max(0, pos - a.length);
      target.write(b, inB, b.length - inB);
      pos = a.length + b.length;
      return n;
    }

    @Override
    public int available() {
      return a.length + b.length - pos;
    }

    @Override
    public int read() {
      if (pos >= a.length + b.length) return -1;
      int v = pos < a.length ? a[pos] : b[pos - a.length];
      pos++;
      return v & 0xff;
    }

    @Override
    public int read(byte[] dst, int off, int len) {
      if (len == 0) return 0;
      int left = available();
      if (left == 0) return -1;
      int n = Math.min(len, left);
      int done = 0;
      while (done < n) {
        int chunk;
        if (pos < a.length) {
          chunk = Math.min(n - done, a.length - pos);
          System.arraycopy(a, pos, dst, off + done, chunk);
        } else {
          chunk = Math.min(n - done, a.length + b.length - pos);
          System.arraycopy(b, pos - a.length, dst, off + done, chunk);
        }
        pos += chunk;
        done += chunk;
      }
      return n;
    }
  }
}
