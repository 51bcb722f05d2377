package io.minimesh.meshctl.internal.views;

import io.minimesh.meshctl.internal.output.TabWriter;
import java.util.List;

/** A view's table: a header and rows of cells, rendered with the tab writer. */
public record Table(List<String> header, List<List<String>> rows) {
  /** Space between columns, as in istioctl's output. */
  static final int PADDING = 3;

  public Table {
    header = List.copyOf(header);
    rows = rows.stream().map(List::copyOf).toList();
  }

  public String render() {
    TabWriter w = new TabWriter(PADDING);
    w.row(header);
    rows.forEach(w::row);
    return w.render();
  }
}
