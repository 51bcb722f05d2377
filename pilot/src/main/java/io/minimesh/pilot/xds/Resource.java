package io.minimesh.pilot.xds;

import com.google.protobuf.Any;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Message;
import io.minimesh.api.xds.v1.DiscoveryResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A generated xDS resource, packed, hashed and serialized once: {@code entry} is its encoding as one
 * element of {@code DiscoveryResponse.resources}, which every response carrying it copies as is.
 */
public record Resource(String name, Message message, Any any, String hash, byte[] entry) {
  public static Resource of(String name, Message m) {
    Any any = Any.pack(m, "type.googleapis.com");
    byte[] entry = new byte[CodedOutputStream.computeMessageSize(DiscoveryResponse.RESOURCES_FIELD_NUMBER, any)];
    try {
      CodedOutputStream out = CodedOutputStream.newInstance(entry);
      out.writeMessage(DiscoveryResponse.RESOURCES_FIELD_NUMBER, any);
      out.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Resource(name, m, any, sha(any.getValue().toByteArray()), entry);
  }

  /** The entries of the resources, concatenated: a serialized {@code DiscoveryResponse} holding only them. */
  public static byte[] concat(Iterable<Resource> resources) {
    int n = 0;
    for (Resource r : resources) n += r.entry.length;
    byte[] out = new byte[n];
    int at = 0;
    for (Resource r : resources) {
      System.arraycopy(r.entry, 0, out, at, r.entry.length);
      at += r.entry.length;
    }
    return out;
  }

  static String sha(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b), 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  // A record with an array component: identity semantics for the array are fine (resources are
  // compared by hash), but keep equals/hashCode cheap and consistent with the other components.
  @Override
  public boolean equals(Object o) {
    return o instanceof Resource r && r.name.equals(name) && r.hash.equals(hash) && r.message.equals(message);
  }

  @Override
  public int hashCode() {
    return name.hashCode() * 31 + hash.hashCode();
  }

  @Override
  public String toString() {
    return "Resource[" + name + ", " + hash + "]";
  }
}
