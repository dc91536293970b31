package io.lanyard.bench;

import io.lanyard.bench.e2e.Configuration;
import io.lanyard.bench.e2e.Workload;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The throughput chart (XChart, PNG): median requests/s per configuration and workload. */
final class Chart {
    private Chart() {
    }

    static void throughput(Path png, List<Configuration> configs, Map<Configuration, Map<Workload, Stats>> tput, String subtitle)
            throws IOException {
        CategoryChart chart = new CategoryChartBuilder().width(1600).height(720)
                .title("Requests per second by configuration (median of rounds; " + subtitle + ")")
                .xAxisTitle("workload").yAxisTitle("requests / s").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Vertical);
        chart.getStyler().setLabelsVisible(false);
        chart.getStyler().setAvailableSpaceFill(0.85);
        chart.getStyler().setYAxisDecimalPattern("#,###");
        List<String> x = new ArrayList<>();
        for (Workload w : Workload.values()) {
            x.add(w.label());
        }
        for (Configuration c : configs) {
            Map<Workload, Stats> m = tput.get(c);
            if (m == null) {
                continue;
            }
            List<Double> y = new ArrayList<>();
            for (Workload w : Workload.values()) {
                Stats s = m.get(w);
                y.add(s == null || s.isEmpty() ? 0.0 : s.median());
            }
            chart.addSeries(c.label(), x, y);
        }
        String base = png.toString().replaceAll("\\.png$", "");
        BitmapEncoder.saveBitmap(chart, base, BitmapEncoder.BitmapFormat.PNG);
    }
}
