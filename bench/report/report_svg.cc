// --svg FILE: latency percentiles of every run side by side. One group of bars per run (p50,
// p90, p99, p99.9, max, each its own colour), on a logarithmic microsecond axis because a
// durable write's tail is often 10-100x its median; a legend names the colours.
#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/report/report.h"

namespace ringkv::bench {

std::string XmlEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string SvgStart(int width, int height, int left, const std::string& title,
                     const std::string& subtitle) {
  std::string out = absl::StrFormat(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
      "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"11\">\n"
      "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"white\"/>\n",
      width, height, width, height, width, height);
  absl::StrAppendFormat(&out, "<text x=\"%d\" y=\"22\" font-size=\"15\">%s</text>\n", left, XmlEscape(title));
  absl::StrAppendFormat(&out, "<text x=\"%d\" y=\"40\" fill=\"#444\">%s</text>\n", left, XmlEscape(subtitle));
  return out;
}

namespace {

struct Series {
  const char* name;
  const char* colour;
  double RunFigures::*field;
};
constexpr Series kSeries[] = {
    {"p50", "#1b9e77", &RunFigures::p50_us},   {"p90", "#7570b3", &RunFigures::p90_us},
    {"p99", "#d95f02", &RunFigures::p99_us},   {"p99.9", "#e7298a", &RunFigures::p999_us},
    {"max", "#666666", &RunFigures::max_us},
};
constexpr int kSeriesCount = 5;
constexpr int kBar = 9, kGroupGap = 14, kLeft = 80, kTop = 60, kPlotH = 360, kLabelH = 230;
constexpr int kGroupW = kSeriesCount * kBar + kGroupGap;

// The log axis, from the decade below the smallest figure to the decade above the largest.
struct LogAxis {
  int dec_lo = 0, dec_hi = 1;
  double Y(double v) const {
    const double f = (std::log10(std::max(v, std::pow(10.0, dec_lo))) - dec_lo) / (dec_hi - dec_lo);
    return kTop + kPlotH - f * kPlotH;
  }
};

LogAxis MakeLogAxis(const Report& report) {
  double lo = 1e18, hi = 0;
  for (const RunResult& r : report.runs) {
    for (const Series& s : kSeries) {
      const double v = r.median.*s.field;
      if (v > 0) {
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
    }
  }
  if (hi <= 0) lo = 1, hi = 10;
  LogAxis axis;
  axis.dec_lo = static_cast<int>(std::floor(std::log10(lo)));
  axis.dec_hi = std::max(axis.dec_lo + 1, static_cast<int>(std::ceil(std::log10(hi))));
  return axis;
}

// Gridlines and labels per decade, the two axis lines and their titles.
std::string Axes(const LogAxis& axis, int plot_w, int height) {
  std::string out;
  for (int d = axis.dec_lo; d <= axis.dec_hi; ++d) {
    const double y = axis.Y(std::pow(10.0, d));
    absl::StrAppendFormat(&out,
                          "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>\n"
                          "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                          kLeft, y, kLeft + plot_w, y, kLeft - 6, y + 4,
                          d >= 0 ? absl::StrCat(static_cast<long long>(std::pow(10.0, d)))
                                 : absl::StrFormat("%g", std::pow(10.0, d)));
  }
  absl::StrAppendFormat(&out,
                        "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n"
                        "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n",
                        kLeft, kTop, kLeft, kTop + kPlotH, kLeft, kTop + kPlotH, kLeft + plot_w,
                        kTop + kPlotH);
  absl::StrAppendFormat(&out,
                        "<text x=\"18\" y=\"%d\" transform=\"rotate(-90 18 %d)\" "
                        "text-anchor=\"middle\">latency (microseconds, log scale)</text>\n",
                        kTop + kPlotH / 2, kTop + kPlotH / 2);
  absl::StrAppendFormat(&out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">run</text>\n",
                        kLeft + plot_w / 2, height - 8);
  return out;
}

// One group of bars per run, and the run's label below it.
std::string Bars(const Report& report, const LogAxis& axis) {
  std::string out;
  for (size_t i = 0; i < report.runs.size(); ++i) {
    const RunResult& r = report.runs[i];
    const int x0 = kLeft + static_cast<int>(i) * kGroupW + kGroupGap / 2;
    for (int s = 0; s < kSeriesCount; ++s) {
      const double v = r.median.*kSeries[s].field;
      const double y = axis.Y(v);
      absl::StrAppendFormat(&out,
                            "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" fill=\"%s\">"
                            "<title>%s %s: %.1f us</title></rect>\n",
                            x0 + s * kBar, y, kBar - 1, kTop + kPlotH - y, kSeries[s].colour,
                            XmlEscape(r.label), kSeries[s].name, v);
    }
    const int lx = x0 + kSeriesCount * kBar / 2;
    absl::StrAppendFormat(&out,
                          "<text x=\"%d\" y=\"%d\" transform=\"rotate(45 %d %d)\">%s</text>\n", lx,
                          kTop + kPlotH + 14, lx, kTop + kPlotH + 14, XmlEscape(r.label));
  }
  return out;
}

std::string Legend(int plot_w) {
  std::string out;
  const int lx = kLeft + plot_w + 20;
  for (int s = 0; s < kSeriesCount; ++s) {
    const int y = kTop + 10 + s * 20;
    absl::StrAppendFormat(&out,
                          "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>"
                          "<text x=\"%d\" y=\"%d\">%s</text>\n",
                          lx, y, kSeries[s].colour, lx + 18, y + 10, kSeries[s].name);
  }
  return out;
}

}  // namespace

std::string FormatSvg(const Report& report) {
  if (report.mode == "scale") return FormatScaleSvg(report);
  const int groups = std::max<int>(1, static_cast<int>(report.runs.size()));
  const int plot_w = groups * kGroupW;
  const int width = std::max(kLeft + plot_w + 150, 640);  // room for the title with few runs
  const int height = kTop + kPlotH + kLabelH;
  const LogAxis axis = MakeLogAxis(report);
  std::string out = SvgStart(
      width, height, kLeft, absl::StrCat("ringkv bench ", report.mode, ": latency percentiles per run"),
      absl::StrFormat("%s on %s (%s), write cache %s; %.2f s per run, median of %d",
                      report.machine.filesystem, report.machine.device, report.machine.dir,
                      report.machine.write_cache, report.seconds_per_run, report.repeat));
  absl::StrAppend(&out, Axes(axis, plot_w, height), Bars(report, axis), Legend(plot_w), "</svg>\n");
  return out;
}

}  // namespace ringkv::bench
