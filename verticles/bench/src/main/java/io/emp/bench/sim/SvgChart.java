package io.emp.bench.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A small line chart as inline SVG (no script, no network): axes, ticks, a legend, optional vertical markers. */
final class SvgChart {
  record Series(String name, List<double[]> points) {
  }

  record Marker(double x, String label) {
  }

  private static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf",
    "#7f7f7f"};
  private static final int W = 760;
  private static final int H = 260;
  private static final int L = 64;
  private static final int R = 150;
  private static final int T = 28;
  private static final int B = 36;

  private SvgChart() {
  }

  /** x values are simulated minutes. */
  static String render(String title, String yLabel, List<Series> series, List<Marker> markers) {
    double maxX = 1;
    double maxY = 0;
    for (Series s : series) {
      for (double[] p : s.points()) {
        maxX = Math.max(maxX, p[0]);
        maxY = Math.max(maxY, p[1]);
      }
    }
    for (Marker m : markers) {
      maxX = Math.max(maxX, m.x());
    }
    maxY = niceCeiling(maxY);
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' "
      + "font-family='sans-serif' font-size='11'>", W, H));
    b.append(String.format(Locale.ROOT, "<text x='%d' y='16' font-size='13' font-weight='bold'>%s</text>", L, esc(title)));
    int pw = W - L - R;
    int ph = H - T - B;
    b.append(String.format(Locale.ROOT, "<rect x='%d' y='%d' width='%d' height='%d' fill='none' stroke='#999'/>", L, T, pw, ph));
    for (int i = 0; i <= 4; i++) {
      double v = maxY * i / 4;
      double y = T + ph - ph * i / 4.0;
      b.append(String.format(Locale.ROOT, "<line x1='%d' y1='%.1f' x2='%d' y2='%.1f' stroke='#eee'/>", L, y, L + pw, y));
      b.append(String.format(Locale.ROOT, "<text x='%d' y='%.1f' text-anchor='end'>%s</text>", L - 4, y + 4, num(v)));
    }
    for (int i = 0; i <= 6; i++) {
      double v = maxX * i / 6;
      double x = L + pw * i / 6.0;
      b.append(String.format(Locale.ROOT, "<text x='%.1f' y='%d' text-anchor='middle'>%s</text>", x, T + ph + 14, num(v)));
    }
    b.append(String.format(Locale.ROOT, "<text x='%d' y='%d' text-anchor='middle'>simulated minutes</text>",
      L + pw / 2, H - 4));
    b.append(String.format(Locale.ROOT, "<text x='12' y='%d' transform='rotate(-90 12 %d)' text-anchor='middle'>%s</text>",
      T + ph / 2, T + ph / 2, esc(yLabel)));
    double sx = pw / maxX;
    double sy = maxY == 0 ? 0 : ph / maxY;
    for (Marker m : markers) {
      double x = L + m.x() * sx;
      b.append(String.format(Locale.ROOT, "<line x1='%.1f' y1='%d' x2='%.1f' y2='%d' stroke='#d62728' "
        + "stroke-dasharray='3,3' opacity='0.6'><title>%s</title></line>", x, T, x, T + ph, esc(m.label())));
    }
    for (int i = 0; i < series.size(); i++) {
      Series s = series.get(i);
      String color = COLORS[i % COLORS.length];
      List<String> pts = new ArrayList<>();
      for (double[] p : s.points()) {
        pts.add(String.format(Locale.ROOT, "%.1f,%.1f", L + p[0] * sx, T + ph - p[1] * sy));
      }
      if (pts.size() == 1) {
        String[] xy = pts.get(0).split(",");
        b.append(String.format(Locale.ROOT, "<circle cx='%s' cy='%s' r='2.5' fill='%s'/>", xy[0], xy[1], color));
      } else if (!pts.isEmpty()) {
        b.append(String.format(Locale.ROOT, "<polyline fill='none' stroke='%s' stroke-width='1.6' points='%s'/>", color,
          String.join(" ", pts)));
      }
      int ly = T + 10 + i * 16;
      b.append(String.format(Locale.ROOT, "<line x1='%d' y1='%d' x2='%d' y2='%d' stroke='%s' stroke-width='3'/>",
        L + pw + 10, ly, L + pw + 26, ly, color));
      b.append(String.format(Locale.ROOT, "<text x='%d' y='%d'>%s</text>", L + pw + 30, ly + 4, esc(s.name())));
    }
    if (!markers.isEmpty()) {
      int ly = T + 10 + series.size() * 16;
      b.append(String.format(Locale.ROOT, "<line x1='%d' y1='%d' x2='%d' y2='%d' stroke='#d62728' stroke-dasharray='3,3'/>",
        L + pw + 10, ly, L + pw + 26, ly));
      b.append(String.format(Locale.ROOT, "<text x='%d' y='%d'>preemption</text>", L + pw + 30, ly + 4));
    }
    return b.append("</svg>").toString();
  }

  static double niceCeiling(double v) {
    if (v <= 0) {
      return 1;
    }
    double mag = Math.pow(10, Math.floor(Math.log10(v)));
    for (double step : new double[] {1, 2, 2.5, 5, 10}) {
      if (step * mag >= v) {
        return step * mag;
      }
    }
    return 10 * mag;
  }

  private static String num(double v) {
    if (v == Math.rint(v)) {
      return String.format(Locale.ROOT, "%.0f", v);
    }
    return String.format(Locale.ROOT, v < 10 ? "%.2f" : "%.1f", v);
  }

  static String esc(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;");
  }
}
