package io.minimesh.meshctl.internal.demo;

import java.util.List;

/** How the demo runs a Minimesh component: the command line of {@code module} with {@code args}. */
@FunctionalInterface
public interface Launcher {
  List<String> command(String module, List<String> args);
}
