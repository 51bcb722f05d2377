package io.minimesh.api.xds;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.TypeRegistry;
import com.google.protobuf.util.JsonFormat;
import io.minimesh.api.xds.v1.Bootstrap;
import io.minimesh.api.xds.v1.ConfigDump;
import io.minimesh.api.xds.v1.DebugConfigDump;
import io.minimesh.api.xds.v1.SyncStatus;
import io.minimesh.api.xds.v1.ConnectedProxy;
import io.minimesh.api.xds.v1.DiscoveryRequest;

/**
 * The one JSON rendering of xDS messages. Pilot's per-proxy config dump and the proxy's
 * /config_dump both go through here, so the two sides can be compared byte for byte.
 * Field names are the proto names (snake_case), like Envoy's config dumps.
 */
public final class JsonPrinter {
  private static final TypeRegistry REGISTRY = registry();
  private static final JsonFormat.Printer PRINTER =
      JsonFormat.printer().usingTypeRegistry(REGISTRY).preservingProtoFieldNames();
  private static final JsonFormat.Printer COMPACT = PRINTER.omittingInsignificantWhitespace();
  private static final JsonFormat.Parser PARSER = JsonFormat.parser().usingTypeRegistry(REGISTRY);

  private static TypeRegistry registry() {
    TypeRegistry.Builder b = TypeRegistry.newBuilder();
    for (Descriptor d :
        new Descriptor[] {
          Bootstrap.getDescriptor(), ConfigDump.getDescriptor(), DebugConfigDump.getDescriptor(),
          SyncStatus.getDescriptor(), ConnectedProxy.getDescriptor(), DiscoveryRequest.getDescriptor()
        }) {
      b.add(d.getFile().getMessageTypes());
      for (var dep : d.getFile().getDependencies()) {
        b.add(dep.getMessageTypes());
      }
    }
    return b.build();
  }

  /** Pretty JSON (2-space indent, proto field names). */
  public static String print(Message m) {
    try {
      return PRINTER.print(m);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("cannot render " + m.getDescriptorForType().getName(), e);
    }
  }

  /** JSON on one line. */
  public static String printCompact(Message m) {
    try {
      return COMPACT.print(m);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("cannot render " + m.getDescriptorForType().getName(), e);
    }
  }

  /** Parses JSON (proto or camelCase field names) into the builder; unknown fields are errors. */
  public static <B extends Message.Builder> B parse(String json, B builder)
      throws InvalidProtocolBufferException {
    PARSER.merge(json, builder);
    return builder;
  }

  public static TypeRegistry typeRegistry() {
    return REGISTRY;
  }

  private JsonPrinter() {}
}
