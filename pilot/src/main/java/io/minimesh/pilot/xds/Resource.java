package io.minimesh.pilot.xds;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** A generated xDS resource, packed and hashed once. */
public record Resource(String name, Message message, Any any, String hash) {
  public static Resource of(String name, Message m) {
    Any any = Any.pack(m, "type.googleapis.com");
    return new Resource(name, m, any, sha(any.getValue().toByteArray()));
  }

  static String sha(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b), 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
