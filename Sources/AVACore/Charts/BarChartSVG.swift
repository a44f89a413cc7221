import Foundation

/// A small, dependency-free bar chart drawn as SVG on the server (the dashboard's calls per day and busiest
/// hours). No inline styles (AVA's Content-Security-Policy forbids them): every colour comes from CSS classes
/// (`chart-bar`, `chart-grid`, `chart-axis`, `chart-tick`, `chart-empty`) that read the page's CSS variables,
/// so the chart follows light and dark themes.
///
/// Accessibility: the `<svg>` is `role="img"` labelled by its `<title>` and `<desc>`; each bar carries a `<title>`
/// (a tooltip with the exact figure). Pages still give a text alternative (a visually hidden table).
///
/// The view box is narrow (360 units) on purpose: on a 390 px phone one unit is about one pixel, so the 12-unit
/// labels read as 12 px text; on a desktop the chart grows with its card.
public struct BarChartSVG: Sendable {
    public struct Bar: Sendable, Equatable {
        /// Under the bar (may be skipped when labels would collide).
        public var label: String
        public var value: Int
        /// The bar's tooltip, such as "Tue 24: 5 calls".
        public var title: String
        public init(label: String, value: Int, title: String) {
            self.label = label
            self.value = value
            self.title = title
        }
    }

    public var bars: [Bar]
    public var title: String
    public var description: String
    /// Unique within the page (ids of `<title>`/`<desc>`).
    public var id: String
    /// Right-to-left pages: the first bar on the right, the value axis on the right.
    public var rightToLeft: Bool
    public var width: Double = 360
    public var height: Double = 200
    public var fontSize: Double = 12

    public init(bars: [Bar], title: String, description: String, id: String, rightToLeft: Bool = false) {
        self.bars = bars
        self.title = title
        self.description = description
        self.id = id
        self.rightToLeft = rightToLeft
    }

    /// A "nice" top for the value axis (1, 2 or 5 times a power of ten, at least `maximum`) and its tick step.
    public static func scale(maximum: Int, ticks: Int = 4) -> (top: Int, step: Int) {
        guard maximum > 0 else { return (ticks, 1) }
        let raw = Double(maximum) / Double(ticks)
        let magnitude = pow(10, floor(log10(raw)))
        var step = magnitude
        for factor in [1.0, 2.0, 5.0, 10.0] where magnitude * factor >= raw {
            step = magnitude * factor
            break
        }
        let stepInt = max(1, Int(step.rounded(.up)))
        let top = Int((Double(maximum) / Double(stepInt)).rounded(.up)) * stepInt
        return (max(top, stepInt), stepInt)
    }

    /// Every `n`-th label is drawn, so labels never overlap (an average character is about 0.6 em wide).
    public static func labelStride(labels: [String], slot: Double, fontSize: Double) -> Int {
        let widest = labels.map { Double($0.count) * fontSize * 0.62 + fontSize * 0.6 }.max() ?? 0
        guard slot > 0, widest > slot else { return 1 }
        return Int((widest / slot).rounded(.up))
    }

    public func svg() -> String {
        let (top, step) = Self.scale(maximum: bars.map(\.value).max() ?? 0)
        let axisWidth = Double(String(top).count) * fontSize * 0.62 + 8
        let plotTop = fontSize / 2 + 2
        let plotBottom = height - fontSize - 10
        let plotStart = rightToLeft ? 4 : axisWidth
        let plotEnd = rightToLeft ? width - axisWidth : width - 4
        let plotWidth = plotEnd - plotStart
        let plotHeight = plotBottom - plotTop
        let count = max(bars.count, 1)
        let slot = plotWidth / Double(count)
        let barWidth = max(1, slot * (count > 20 ? 0.7 : 0.6))
        let titleID = "\(id)-title"
        let descID = "\(id)-desc"

        var out = "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(n(width)) \(n(height))\" "
        out += "role=\"img\" aria-labelledby=\"\(Self.escape(titleID)) \(Self.escape(descID))\" focusable=\"false\">"
        out += "<title id=\"\(Self.escape(titleID))\">\(Self.escape(title))</title>"
        out += "<desc id=\"\(Self.escape(descID))\">\(Self.escape(description))</desc>"

        // Grid lines and value ticks.
        out += "<g class=\"chart-grid-lines\" aria-hidden=\"true\">"
        var tick = 0
        while tick <= top {
            let y = plotBottom - Double(tick) / Double(top) * plotHeight
            out += "<line class=\"\(tick == 0 ? "chart-axis" : "chart-grid")\" x1=\"\(n(plotStart))\" y1=\"\(n(y))\" x2=\"\(n(plotEnd))\" y2=\"\(n(y))\"/>"
            let x = rightToLeft ? plotEnd + 6 : plotStart - 6
            out += "<text class=\"chart-tick\" x=\"\(n(x))\" y=\"\(n(y + fontSize * 0.35))\" text-anchor=\"\(rightToLeft ? "start" : "end")\" "
            out += "font-size=\"\(n(fontSize))\">\(tick)</text>"
            tick += step
        }
        out += "</g>"

        // Bars, first one on the reading side.
        let peak = bars.map(\.value).max() ?? 0
        out += "<g class=\"chart-bars\">"
        for (index, bar) in bars.enumerated() {
            let position = rightToLeft ? count - 1 - index : index
            let x = plotStart + Double(position) * slot + (slot - barWidth) / 2
            let barHeight = top > 0 ? Double(bar.value) / Double(top) * plotHeight : 0
            let shown = bar.value > 0 ? max(barHeight, 1.5) : 0
            let peakClass = bar.value > 0 && bar.value == peak ? " is-peak" : ""
            out += "<rect class=\"chart-bar\(peakClass)\" x=\"\(n(x))\" y=\"\(n(plotBottom - shown))\" width=\"\(n(barWidth))\" "
            out += "height=\"\(n(shown))\" rx=\"\(n(min(3, barWidth / 3)))\"><title>\(Self.escape(bar.title))</title></rect>"
        }
        out += "</g>"

        // Category labels under the bars, thinned out so they never collide.
        let stride = Self.labelStride(labels: bars.map(\.label), slot: slot, fontSize: fontSize)
        out += "<g class=\"chart-labels\" aria-hidden=\"true\">"
        for (index, bar) in bars.enumerated() where index % stride == 0 && !bar.label.isEmpty {
            let position = rightToLeft ? count - 1 - index : index
            let x = plotStart + Double(position) * slot + slot / 2
            out += "<text class=\"chart-tick\" x=\"\(n(x))\" y=\"\(n(height - 4))\" text-anchor=\"middle\" "
            out += "font-size=\"\(n(fontSize))\">\(Self.escape(bar.label))</text>"
        }
        out += "</g></svg>"
        return out
    }

    /// Numbers as SVG wants them: at most one decimal, a dot, no exponent.
    private func n(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(format: "%.1f", rounded)
    }

    /// Text and attribute values escaped for XML (and so for HTML around the inline SVG).
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
