import AVACore
import Foundation

/// The dashboard's two charts (calls over the period, busiest hours) as inline SVG plus the same figures as
/// table rows for screen readers and text browsers.
struct DashboardChart: Encodable {
    struct Row: Encodable { var label: String; var value: String }
    var svg: String
    var title: String
    var caption: String
    var rows: [Row]
    var isEmpty: Bool
}

enum DashboardCharts {
    /// Calls per local day (7 and 30 days) or per hour of today.
    static func timeline(_ figures: DashboardFigures, period: DashboardPeriod, texts: DashboardTexts) -> DashboardChart {
        if period == .today {
            return hours(figures.callsByHour, id: "chart-timeline", title: texts.t("dash_chart_today_title"), texts: texts)
        }
        let short = texts.formatter(period == .week ? "dM" : "d")
        let long = texts.formatter("EEEEdMMMM")
        let dayParser = DateFormatter()
        dayParser.locale = Locale(identifier: "en_US_POSIX")
        dayParser.timeZone = texts.timeZone
        dayParser.dateFormat = "yyyy-MM-dd"
        var bars: [BarChartSVG.Bar] = []
        var rows: [DashboardChart.Row] = []
        for day in figures.callsPerDay {
            // Noon, so the label is the right day whatever the offset.
            let date = dayParser.date(from: day.date).map { $0.addingTimeInterval(12 * 3600) } ?? Date()
            let name = long.string(from: date)
            let count = texts.plural("dash_calls", day.calls)
            bars.append(.init(label: short.string(from: date), value: day.calls, title: texts.t("dash_bar_title", name, count)))
            rows.append(.init(label: name, value: count))
        }
        let total = figures.callsPerDay.reduce(0) { $0 + $1.calls }
        let title = texts.t("dash_chart_days_title")
        let description: String
        if let peak = zip(figures.callsPerDay, rows).max(by: { $0.0.calls < $1.0.calls }), total > 0 {
            description = texts.t("dash_chart_days_desc", texts.plural("dash_calls", total), peak.1.label, peak.1.value)
        } else {
            description = texts.t("dash_chart_no_calls")
        }
        let chart = BarChartSVG(bars: bars, title: title, description: description, id: "chart-timeline", rightToLeft: texts.locale == .he)
        return DashboardChart(svg: chart.svg(), title: title, caption: description, rows: rows, isEmpty: total == 0)
    }

    /// 24 bars: calls by local hour of the day.
    static func hours(_ counts: [Int], id: String, title: String, texts: DashboardTexts) -> DashboardChart {
        var bars: [BarChartSVG.Bar] = []
        var rows: [DashboardChart.Row] = []
        for (hour, value) in counts.enumerated() {
            let range = texts.t("dash_hour_range", String(format: "%02d:00", hour), String(format: "%02d:00", (hour + 1) % 24))
            let count = texts.plural("dash_calls", value)
            bars.append(.init(label: String(hour), value: value, title: texts.t("dash_bar_title", range, count)))
            rows.append(.init(label: range, value: count))
        }
        let total = counts.reduce(0, +)
        let description: String
        if total > 0, let peak = counts.indices.max(by: { counts[$0] < counts[$1] }) {
            description = texts.t("dash_chart_hours_desc", texts.plural("dash_calls", total), rows[peak].label, rows[peak].value)
        } else {
            description = texts.t("dash_chart_no_calls")
        }
        let chart = BarChartSVG(bars: bars, title: title, description: description, id: id, rightToLeft: texts.locale == .he)
        return DashboardChart(svg: chart.svg(), title: title, caption: description, rows: rows, isEmpty: total == 0)
    }
}
