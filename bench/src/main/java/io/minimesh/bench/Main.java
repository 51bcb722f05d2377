package io.minimesh.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.File;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Benchmark tools: {@code load} is the open-loop constant-rate generator (wrk2/fortio are not available here). */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Minimesh benchmark tools.",
    subcommands = {Main.Load.class, Harness.class, Profile.class})
public final class Main implements Callable<Integer> {

  public static void main(String[] args) {
    System.exit(new CommandLine(new Main()).execute(args));
  }

  @Override
  public Integer call() {
    CommandLine.usage(this, System.out);
    return 0;
  }

  @Command(name = "load", mixinStandardHelpOptions = true,
      description = "Open-loop constant-rate HTTP/1.1 load; latency from the intended send time.")
  static final class Load implements Callable<Integer> {
    @Option(names = "--url", required = true, description = "Target URL, e.g. http://127.0.0.1:8080/bytes/1024")
    URI url;

    @Option(names = "--host", description = "Host header (default: the URL's authority)")
    String host;

    @Option(names = "--rate", defaultValue = "1000", description = "Requests per second (default ${DEFAULT-VALUE})")
    double rate;

    @Option(names = {"-c", "--connections"}, defaultValue = "16")
    int connections;

    @Option(names = "--duration", defaultValue = "10", description = "Measured seconds (default ${DEFAULT-VALUE})")
    double duration;

    @Option(names = "--warmup", defaultValue = "2", description = "Unmeasured seconds first (default ${DEFAULT-VALUE})")
    double warmup;

    @Option(names = "--json", description = "Also write the result as JSON to this file")
    File json;

    @Override
    public Integer call() throws Exception {
      var cfg = new OpenLoopLoadGenerator.Config(url, host, rate, connections,
          Duration.ofMillis((long) (warmup * 1000)), Duration.ofMillis((long) (duration * 1000)));
      var r = new OpenLoopLoadGenerator(cfg).run();
      Map<String, Object> out = summary(r);
      System.out.printf("rate %.0f/s achieved %.1f/s  sent %d  ok %d  errors %d  non-2xx %d%n",
          rate, r.achievedRate(), r.sent(), r.completed(), r.errors(), r.non2xx());
      System.out.printf("latency us  p50 %d  p90 %d  p99 %d  p99.9 %d  max %d%n",
          p(r.latencyUs(), 50), p(r.latencyUs(), 90), p(r.latencyUs(), 99), p(r.latencyUs(), 99.9),
          r.latencyUs().getMaxValue());
      if (json != null) {
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json, out);
      }
      return r.errors() == 0 ? 0 : 2;
    }
  }

  static long p(Histogram h, double q) {
    return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(q);
  }

  static Map<String, Object> summary(OpenLoopLoadGenerator.Result r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("sent", r.sent());
    m.put("completed", r.completed());
    m.put("errors", r.errors());
    m.put("non2xx", r.non2xx());
    m.put("achieved_rate", r.achievedRate());
    Map<String, Long> lat = new LinkedHashMap<>();
    for (double q : new double[] {50, 90, 99, 99.9}) lat.put("p" + q, p(r.latencyUs(), q));
    lat.put("max", r.latencyUs().getMaxValue());
    m.put("latency_us", lat);
    Map<String, Long> svc = new LinkedHashMap<>();
    for (double q : new double[] {50, 90, 99, 99.9}) svc.put("p" + q, p(r.serviceUs(), q));
    m.put("service_time_us", svc);
    return m;
  }
}
