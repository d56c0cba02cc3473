// --svg FILE for the scale workload: insert rate (top, linear) and write amplification
// (bottom, logarithmic: the engines differ by orders of magnitude) against ops done, one line
// per store in its own colour, a legend naming them.
#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/report/report.h"

namespace ringkv::bench {
namespace {

constexpr int kLeft = 90, kTop = 70, kPlotW = 620, kPanelH = 240, kGap = 70, kLegendW = 150;
constexpr const char* kColours[] = {"#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#7f7f7f"};

// A round step that divides [0, max] into about five intervals.
double NiceStep(double max) {
  if (max <= 0) return 1;
  const double raw = max / 5;
  const double decade = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0}) {
    if (m * decade >= raw) return m * decade;
  }
  return 10 * decade;
}

std::string Count(double v) {
  if (v >= 1e6) return absl::StrFormat("%gM", v / 1e6);
  if (v >= 1e3) return absl::StrFormat("%gk", v / 1e3);
  return absl::StrFormat("%g", v);
}

// A panel's vertical axis: linear from 0, or logarithmic over whole decades.
struct Axis {
  bool log = false;
  double lo = 0, hi = 1;  // linear: values; log: decades
  double step = 1;        // linear only
  double Fraction(double v) const {
    if (!log) return v / hi;
    return (std::log10(std::max(v, std::pow(10.0, lo))) - lo) / (hi - lo);
  }
};

Axis MakeAxis(const Report& report, double ScaleChunk::*value, bool log) {
  double v_min = 0, v_max = 0;
  for (const ScaleResult& r : report.scale) {
    for (const ScaleChunk& c : r.chunks) {
      if (c.*value > 0 && (v_min == 0 || c.*value < v_min)) v_min = c.*value;
      v_max = std::max(v_max, c.*value);
    }
  }
  Axis a;
  a.log = log && v_min > 0;
  if (a.log) {
    a.lo = std::floor(std::log10(v_min));
    a.hi = std::max(a.lo + 1, std::ceil(std::log10(v_max)));
    return a;
  }
  a.step = NiceStep(v_max * 1.05);
  a.hi = std::max(a.step, std::ceil(v_max * 1.05 / a.step) * a.step);
  return a;
}

// One panel: axes, gridlines, a line per store of field `value` against ScaleChunk::ops.
std::string Panel(const Report& report, int top, const std::string& title, double x_max,
                  double ScaleChunk::*value, bool log) {
  const Axis axis = MakeAxis(report, value, log);
  auto x_of = [&](double ops) { return kLeft + ops / x_max * kPlotW; };
  auto y_of = [&](double v) { return top + kPanelH - axis.Fraction(v) * kPanelH; };
  std::string out = absl::StrFormat("<text x=\"%d\" y=\"%d\" font-size=\"13\">%s</text>\n", kLeft, top - 10,
                                    XmlEscape(title));
  std::vector<double> ticks;
  if (axis.log) {
    // Labels at 1, 2 and 5 of each decade when there are few decades, else at each decade.
    for (double d = axis.lo; d <= axis.hi; ++d) {
      for (double m : {1.0, 2.0, 5.0}) {
        if ((m == 1.0 || axis.hi - axis.lo <= 2) && (m == 1.0 || d < axis.hi)) ticks.push_back(m * std::pow(10.0, d));
      }
    }
  } else {
    for (double v = 0; v <= axis.hi + axis.step / 2; v += axis.step) ticks.push_back(v);
  }
  for (double v : ticks) {
    absl::StrAppendFormat(&out,
                          "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>\n"
                          "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                          kLeft, y_of(v), kLeft + kPlotW, y_of(v), kLeft - 6, y_of(v) + 4,
                          v < 1 && v > 0 ? absl::StrFormat("%g", v) : Count(v));
  }
  const double x_step = NiceStep(x_max);
  for (double x = 0; x <= x_max + x_step / 2; x += x_step) {
    absl::StrAppendFormat(&out,
                          "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#eee\"/>\n"
                          "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
                          x_of(x), top, x_of(x), top + kPanelH, x_of(x), top + kPanelH + 16, Count(x));
  }
  absl::StrAppendFormat(&out,
                        "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"black\"/>\n",
                        kLeft, top, kPlotW, kPanelH);
  // A log scale has no 0: a chunk that wrote nothing to storage yet (an overwrite absorbed by
  // a memtable) is left out rather than drawn at the axis floor, where it would read as 1.
  bool left_out = false;
  auto drawn = [&](const ScaleChunk& c) {
    const bool draw = !axis.log || c.*value > 0;
    left_out = left_out || !draw;
    return draw;
  };
  for (size_t i = 0; i < report.scale.size(); ++i) {
    const ScaleResult& r = report.scale[i];
    const char* colour = kColours[i % std::size(kColours)];
    std::string points;
    for (const ScaleChunk& c : r.chunks) {
      if (drawn(c)) absl::StrAppendFormat(&points, "%.1f,%.1f ", x_of(c.ops), y_of(c.*value));
    }
    absl::StrAppendFormat(&out, "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"/>\n",
                          points, colour);
    for (const ScaleChunk& c : r.chunks) {
      if (!drawn(c)) continue;
      absl::StrAppendFormat(&out,
                            "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>%s at %d ops: "
                            "%.2f</title></circle>\n",
                            x_of(c.ops), y_of(c.*value), colour, XmlEscape(r.store), c.ops, c.*value);
    }
  }
  if (left_out) {
    absl::StrAppendFormat(&out,
                          "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" font-size=\"11\" fill=\"#555\">"
                          "chunks with nothing written to storage yet (0) are not drawn</text>\n",
                          kLeft + kPlotW, top + kPanelH + 32);
  }
  return out;
}

}  // namespace

std::string FormatScaleSvg(const Report& report) {
  const int width = kLeft + kPlotW + kLegendW;
  const int height = kTop + 2 * kPanelH + kGap + 60;
  double x_max = 1;
  std::string mode = "insert";
  uint64_t keys = 0;
  for (const ScaleResult& r : report.scale) {
    x_max = std::max<double>(x_max, r.keys);
    mode = r.mode;
    keys = std::max(keys, r.keys);
  }
  std::string out = SvgStart(
      width, height, kLeft,
      absl::StrFormat("ringkv bench engine --workload=scale: %s of %d keys, per chunk", mode, keys),
      absl::StrFormat("16-19 byte keys, 100 random bytes per value, sync=false, 1 thread; %s on %s, started %s",
                      report.machine.filesystem, report.machine.device, report.started_utc));
  absl::StrAppend(&out, Panel(report, kTop, mode == "mix" ? "ops per second (half gets, half puts)" : "puts per second",
                              x_max, &ScaleChunk::ops_per_sec, /*log=*/false));
  absl::StrAppend(&out, Panel(report, kTop + kPanelH + kGap,
                              "write amplification so far (bytes written to storage / user bytes put, log scale)",
                              x_max, &ScaleChunk::write_amp, /*log=*/true));
  absl::StrAppendFormat(&out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
                        kLeft + kPlotW / 2, height - 12,
                        mode == "insert" ? "keys inserted"
                                         : XmlEscape(absl::StrFormat("ops done (after inserting %d keys)", keys)));
  for (size_t i = 0; i < report.scale.size(); ++i) {
    const int y = kTop + 10 + static_cast<int>(i) * 20;
    const int lx = kLeft + kPlotW + 20;
    absl::StrAppendFormat(&out,
                          "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"4\" fill=\"%s\"/>"
                          "<text x=\"%d\" y=\"%d\">%s</text>\n",
                          lx, y + 4, kColours[i % std::size(kColours)], lx + 20, y + 9,
                          XmlEscape(report.scale[i].store));
  }
  absl::StrAppend(&out, "</svg>\n");
  return out;
}

}  // namespace ringkv::bench
