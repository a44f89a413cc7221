extension QRCode {
    /// Light modules around the symbol, as ISO/IEC 18004 requires for reading.
    public static let quietZone = 4

    /// The symbol as an SVG document to inline in HTML: one unit per module, a quiet zone of four
    /// modules, a white background rectangle and one `<path>` of the dark modules (each row's runs of
    /// adjacent dark modules as unit-high rectangles) filled with `currentColor`, drawn with
    /// `shape-rendering="crispEdges"`. It has no size of its own: the page's CSS sizes it, and should
    /// keep `color` dark, since a QR code only scans dark on light.
    ///
    /// `title` is its accessible name (`<title>` and `aria-label`), escaped here.
    public func svg(title: String) -> String {
        let side = size + 2 * Self.quietZone
        var path = ""
        path.reserveCapacity(size * size)
        for y in 0..<size {
            var x = 0
            while x < size {
                guard isDark(x: x, y: y) else { x += 1; continue }
                let start = x
                while x < size && isDark(x: x, y: y) { x += 1 }
                let run = x - start
                path += "M\(start + Self.quietZone) \(y + Self.quietZone)h\(run)v1h-\(run)z"
            }
        }
        let name = Self.escapeXML(title)
        return """
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(side) \(side)" role="img" aria-label="\(name)">\
            <title>\(name)</title>\
            <rect width="\(side)" height="\(side)" fill="#ffffff"/>\
            <path fill="currentColor" shape-rendering="crispEdges" d="\(path)"/>\
            </svg>
            """
    }

    /// Text for XML character data and attribute values.
    static func escapeXML(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
