package io.minimesh.meshctl.internal.diff;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Line diff with Myers' O((N+M)D) greedy algorithm, rendered in unified format (GNU diff -u layout:
 * {@code --- a}, {@code +++ b}, {@code @@ -l,s +l,s @@} hunks with 3 lines of context).
 */
public final class UnifiedDiff {
  /** Beyond this many differences the edit is shown as "remove all, add all": cheaper and as readable. */
  static final int MAX_EDIT_DISTANCE = 2000;

  public static final int DEFAULT_CONTEXT = 3;

  enum Op {
    EQUAL,
    DELETE,
    INSERT
  }

  /** One edit; {@code aPos}/{@code bPos} are the 0-based positions in each side before the edit. */
  record Edit(Op op, String line, int aPos, int bPos) {}

  /** Empty when the two texts are equal line by line. */
  public static List<String> diff(String aName, List<String> a, String bName, List<String> b, int context) {
    List<Edit> edits = edits(a, b);
    if (edits.stream().allMatch(e -> e.op() == Op.EQUAL)) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    out.add("--- " + aName);
    out.add("+++ " + bName);
    int i = 0;
    while (i < edits.size()) {
      // Find the next change, open a hunk 'context' lines before it.
      while (i < edits.size() && edits.get(i).op() == Op.EQUAL) {
        i++;
      }
      if (i == edits.size()) {
        break;
      }
      int start = Math.max(0, i - context);
      int end = i;
      // Extend while the next change is within 2*context equal lines.
      while (true) {
        while (end < edits.size() && edits.get(end).op() != Op.EQUAL) {
          end++;
        }
        int equalRun = 0;
        while (end + equalRun < edits.size() && edits.get(end + equalRun).op() == Op.EQUAL) {
          equalRun++;
        }
        if (end + equalRun < edits.size() && equalRun <= 2 * context) {
          end += equalRun;
          continue;
        }
        end += Math.min(equalRun, context);
        break;
      }
      int aLen = 0;
      int bLen = 0;
      for (int k = start; k < end; k++) {
        Op op = edits.get(k).op();
        if (op != Op.INSERT) aLen++;
        if (op != Op.DELETE) bLen++;
      }
      Edit first = edits.get(start);
      out.add("@@ -" + range(first.aPos(), aLen) + " +" + range(first.bPos(), bLen) + " @@");
      for (int k = start; k < end; k++) {
        Edit e = edits.get(k);
        char mark = switch (e.op()) {
          case EQUAL -> ' ';
          case DELETE -> '-';
          case INSERT -> '+';
        };
        out.add(mark + e.line());
      }
      i = end;
    }
    return out;
  }

  private static String range(int pos, int len) {
    if (len == 0) return pos + ",0";
    if (len == 1) return String.valueOf(pos + 1);
    return (pos + 1) + "," + len;
  }

  /** The shortest edit script turning a into b (common prefix and suffix trimmed first). */
  static List<Edit> edits(List<String> a, List<String> b) {
    int prefix = 0;
    while (prefix < a.size() && prefix < b.size() && a.get(prefix).equals(b.get(prefix))) {
      prefix++;
    }
    int suffix = 0;
    while (suffix < a.size() - prefix
        && suffix < b.size() - prefix
        && a.get(a.size() - 1 - suffix).equals(b.get(b.size() - 1 - suffix))) {
      suffix++;
    }
    List<Edit> out = new ArrayList<>();
    for (int i = 0; i < prefix; i++) {
      out.add(new Edit(Op.EQUAL, a.get(i), i, i));
    }
    List<String> am = a.subList(prefix, a.size() - suffix);
    List<String> bm = b.subList(prefix, b.size() - suffix);
    for (Edit e : myers(am, bm)) {
      out.add(new Edit(e.op(), e.line(), e.aPos() + prefix, e.bPos() + prefix));
    }
    for (int i = 0; i < suffix; i++) {
      int ai = a.size() - suffix + i;
      int bi = b.size() - suffix + i;
      out.add(new Edit(Op.EQUAL, a.get(ai), ai, bi));
    }
    return out;
  }

  private static List<Edit> myers(List<String> a, List<String> b) {
    int n = a.size();
    int m = b.size();
    int max = n + m;
    if (max == 0) {
      return List.of();
    }
    int limit = Math.min(max, MAX_EDIT_DISTANCE);
    int offset = limit + 1;
    int[] v = new int[2 * limit + 3];
    List<int[]> trace = new ArrayList<>();
    int found = -1;
    outer:
    for (int d = 0; d <= limit; d++) {
      // Keep only k in [-d-1, d+1] of this round's starting V: O(D^2) memory overall.
      trace.add(Arrays.copyOfRange(v, offset - d - 1, offset + d + 2));
      for (int k = -d; k <= d; k += 2) {
        int x;
        if (k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1])) {
          x = v[offset + k + 1]; // down: insertion
        } else {
          x = v[offset + k - 1] + 1; // right: deletion
        }
        int y = x - k;
        while (x < n && y < m && a.get(x).equals(b.get(y))) {
          x++;
          y++;
        }
        v[offset + k] = x;
        if (x >= n && y >= m) {
          found = d;
          break outer;
        }
      }
    }
    if (found < 0) {
      return replaceAll(a, b);
    }
    // Walk the trace backwards from (n, m) to recover the path.
    List<Edit> rev = new ArrayList<>();
    int x = n;
    int y = m;
    for (int d = found; d > 0; d--) {
      int[] vd = trace.get(d);
      int base = d + 1; // vd[base + k] is V[k]
      int k = x - y;
      int prevK = (k == -d || (k != d && vd[base + k - 1] < vd[base + k + 1])) ? k + 1 : k - 1;
      int prevX = vd[base + prevK];
      int prevY = prevX - prevK;
      while (x > prevX && y > prevY) {
        x--;
        y--;
        rev.add(new Edit(Op.EQUAL, a.get(x), x, y));
      }
      if (x == prevX) {
        y--;
        rev.add(new Edit(Op.INSERT, b.get(y), x, y));
      } else {
        x--;
        rev.add(new Edit(Op.DELETE, a.get(x), x, y));
      }
    }
    while (x > 0 && y > 0) {
      x--;
      y--;
      rev.add(new Edit(Op.EQUAL, a.get(x), x, y));
    }
    List<Edit> out = new ArrayList<>(rev.size());
    for (int i = rev.size() - 1; i >= 0; i--) {
      out.add(rev.get(i));
    }
    return out;
  }

  private static List<Edit> replaceAll(List<String> a, List<String> b) {
    List<Edit> out = new ArrayList<>();
    for (int i = 0; i < a.size(); i++) {
      out.add(new Edit(Op.DELETE, a.get(i), i, 0));
    }
    for (int j = 0; j < b.size(); j++) {
      out.add(new Edit(Op.INSERT, b.get(j), a.size(), j));
    }
    return out;
  }

  private UnifiedDiff() {}
}
