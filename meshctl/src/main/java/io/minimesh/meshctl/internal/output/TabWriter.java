package io.minimesh.meshctl.internal.output;

import java.util.ArrayList;
import java.util.List;

/**
 * Aligns cells into columns like Go's text/tabwriter (which istioctl and kubectl use): every column but
 * the last is padded to its widest cell plus {@code padding} spaces; trailing blanks are trimmed.
 */
public final class TabWriter {
  private final int padding;
  private final List<List<String>> rows = new ArrayList<>();

  public TabWriter(int padding) {
    if (padding < 1) {
      throw new IllegalArgumentException("padding must be >= 1, got " + padding);
    }
    this.padding = padding;
  }

  public TabWriter row(List<String> cells) {
    List<String> copy = new ArrayList<>(cells.size());
    for (String c : cells) {
      copy.add(c == null ? "" : c.replace('\t', ' ').replace('\n', ' ').replace('\r', ' '));
    }
    rows.add(copy);
    return this;
  }

  public TabWriter row(String... cells) {
    return row(List.of(cells));
  }

  /** The aligned text, one line per row, each ending in '\n'. */
  public String render() {
    int columns = 0;
    for (List<String> r : rows) {
      columns = Math.max(columns, r.size());
    }
    int[] width = new int[columns];
    for (List<String> r : rows) {
      for (int i = 0; i < r.size() - 1; i++) {
        width[i] = Math.max(width[i], displayWidth(r.get(i)));
      }
    }
    StringBuilder sb = new StringBuilder();
    for (List<String> r : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < r.size(); i++) {
        String cell = r.get(i);
        line.append(cell);
        if (i < r.size() - 1) {
          line.append(" ".repeat(width[i] - displayWidth(cell) + padding));
        }
      }
      int end = line.length();
      while (end > 0 && line.charAt(end - 1) == ' ') {
        end--;
      }
      sb.append(line, 0, end).append('\n');
    }
    return sb.toString();
  }

  private static int displayWidth(String s) {
    return s.codePointCount(0, s.length());
  }
}
