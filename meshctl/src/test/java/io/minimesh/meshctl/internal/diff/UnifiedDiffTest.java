package io.minimesh.meshctl.internal.diff;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class UnifiedDiffTest {
  private static List<String> diff(List<String> a, List<String> b) {
    return UnifiedDiff.diff("a", a, "b", b, 3);
  }

  @Test
  void equalTextsHaveNoDiff() {
    assertThat(diff(List.of("x", "y"), List.of("x", "y"))).isEmpty();
    assertThat(diff(List.of(), List.of())).isEmpty();
  }

  @Test
  void oneChangedLineWithContext() {
    List<String> a = List.of("1", "2", "3", "4", "5", "6", "7", "8", "9");
    List<String> b = List.of("1", "2", "3", "4", "five", "6", "7", "8", "9");
    assertThat(diff(a, b))
        .containsExactly("--- a", "+++ b", "@@ -2,7 +2,7 @@", " 2", " 3", " 4", "-5", "+five", " 6", " 7", " 8");
  }

  @Test
  void insertionIntoEmptyAndDeletionOfAll() {
    assertThat(diff(List.of(), List.of("x", "y"))).containsExactly("--- a", "+++ b", "@@ -0,0 +1,2 @@", "+x", "+y");
    assertThat(diff(List.of("x"), List.of())).containsExactly("--- a", "+++ b", "@@ -1 +0,0 @@", "-x");
  }

  @Test
  void distantChangesMakeTwoHunksCloseOnesMerge() {
    List<String> a = new ArrayList<>();
    for (int i = 1; i <= 20; i++) a.add("l" + i);
    List<String> far = new ArrayList<>(a);
    far.set(1, "X");
    far.set(17, "Y");
    List<String> out = diff(a, far);
    assertThat(out.stream().filter(l -> l.startsWith("@@"))).containsExactly("@@ -1,5 +1,5 @@", "@@ -15,6 +15,6 @@");
    List<String> near = new ArrayList<>(a);
    near.set(5, "X");
    near.set(11, "Y"); // 5 equal lines apart: within 2 * context, one hunk
    assertThat(diff(a, near).stream().filter(l -> l.startsWith("@@"))).containsExactly("@@ -3,13 +3,13 @@"); // as GNU diff -u
  }

  /** Property: the diff turns a into b, and its edit count is minimal (checked against an LCS table). */
  @Test
  void randomTextsRoundTripWithMinimalEdits() {
    Random rnd = new Random(42);
    for (int round = 0; round < 500; round++) {
      List<String> a = randomLines(rnd);
      List<String> b = rnd.nextBoolean() ? mutate(a, rnd) : randomLines(rnd);
      List<String> d = UnifiedDiff.diff("a", a, "b", b, rnd.nextInt(4));
      assertThat(apply(a, d)).as("a=%s b=%s diff=%s", a, b, d).isEqualTo(b);
      long edits = d.stream().skip(2).filter(l -> l.startsWith("+") || l.startsWith("-")).count();
      assertThat(edits).as("a=%s b=%s", a, b).isEqualTo(a.size() + b.size() - 2L * lcs(a, b));
    }
  }

  @Test
  void hugeDifferencesFallBackToReplaceAll() {
    List<String> a = new ArrayList<>();
    List<String> b = new ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      a.add("a" + i);
      b.add("b" + i);
    }
    List<String> d = diff(a, b);
    assertThat(apply(a, d)).isEqualTo(b);
    assertThat(d.get(2)).isEqualTo("@@ -1,3000 +1,3000 @@");
  }

  private static List<String> randomLines(Random rnd) {
    List<String> l = new ArrayList<>();
    int n = rnd.nextInt(12);
    for (int i = 0; i < n; i++) l.add(String.valueOf((char) ('a' + rnd.nextInt(4))));
    return l;
  }

  private static List<String> mutate(List<String> a, Random rnd) {
    List<String> b = new ArrayList<>(a);
    int n = rnd.nextInt(4);
    for (int i = 0; i < n; i++) {
      int op = rnd.nextInt(3);
      if (op == 0 || b.isEmpty()) b.add(rnd.nextInt(b.size() + 1), "new" + i);
      else if (op == 1) b.remove(rnd.nextInt(b.size()));
      else b.set(rnd.nextInt(b.size()), "chg" + i);
    }
    return b;
  }

  /** Applies a unified diff (as this class writes it) to a. */
  private static List<String> apply(List<String> a, List<String> diff) {
    List<String> out = new ArrayList<>();
    int pos = 0; // next unconsumed line of a
    for (String line : diff.subList(Math.min(2, diff.size()), diff.size())) {
      if (line.startsWith("@@")) {
        String range = line.split(" ")[1].substring(1);
        int start = Integer.parseInt(range.split(",")[0]);
        int len = range.contains(",") ? Integer.parseInt(range.split(",")[1]) : 1;
        int from = len == 0 ? start : start - 1;
        while (pos < from) out.add(a.get(pos++));
      } else if (line.startsWith(" ")) {
        assertThat(a.get(pos)).isEqualTo(line.substring(1));
        out.add(a.get(pos++));
      } else if (line.startsWith("-")) {
        assertThat(a.get(pos)).isEqualTo(line.substring(1));
        pos++;
      } else if (line.startsWith("+")) {
        out.add(line.substring(1));
      }
    }
    while (pos < a.size()) out.add(a.get(pos++));
    return out;
  }

  private static int lcs(List<String> a, List<String> b) {
    int[][] t = new int[a.size() + 1][b.size() + 1];
    for (int i = a.size() - 1; i >= 0; i--)
      for (int j = b.size() - 1; j >= 0; j--)
        t[i][j] = a.get(i).equals(b.get(j)) ? t[i + 1][j + 1] + 1 : Math.max(t[i + 1][j], t[i][j + 1]);
    return t[0][0];
  }
}
