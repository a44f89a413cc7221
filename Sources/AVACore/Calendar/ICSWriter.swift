import Foundation

/// Writes an `ICSCalendar` as RFC 5545 text: CRLF line endings, content lines folded at 75 octets without
/// cutting a UTF-8 sequence, TEXT values escaped (backslash, semicolon, comma, newline).
public enum ICSWriter {
    /// `now` is the DTSTAMP of events that do not say when they changed.
    public static func write(_ calendar: ICSCalendar, now: Date = Date()) -> String {
        var lines = [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:\(escape(calendar.productID))",
            "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH",
        ]
        if let name = calendar.name { lines.append("X-WR-CALNAME:\(escape(name))") }
        if let zone = calendar.timeZoneID { lines.append("X-WR-TIMEZONE:\(escape(zone))") }
        lines.append("REFRESH-INTERVAL;VALUE=DURATION:PT\(calendar.refreshMinutes)M")
        lines.append("X-PUBLISHED-TTL:PT\(calendar.refreshMinutes)M")
        for event in calendar.events {
            let stamp = utc(event.lastModified ?? now)
            lines += [
                "BEGIN:VEVENT",
                "UID:\(escape(event.uid))",
                "DTSTAMP:\(stamp)",
                "LAST-MODIFIED:\(stamp)",
                "SEQUENCE:\(max(0, event.sequence))",
                "DTSTART:\(utc(event.start))",
                "DTEND:\(utc(max(event.end, event.start)))",
                "SUMMARY:\(escape(event.summary))",
            ]
            if let description = event.description, !description.isEmpty { lines.append("DESCRIPTION:\(escape(description))") }
            if let location = event.location, !location.isEmpty { lines.append("LOCATION:\(escape(location))") }
            lines.append("STATUS:\(event.status.rawValue)")
            if event.status == .cancelled { lines.append("TRANSP:TRANSPARENT") }
            lines.append("END:VEVENT")
        }
        lines.append("END:VCALENDAR")
        return lines.map(fold).joined(separator: "\r\n") + "\r\n"
    }

    /// A TEXT value (RFC 5545 §3.3.11): `\` `;` `,` escaped, line breaks as `\n`, other control characters dropped.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        var previousWasCR = false
        for scalar in text.unicodeScalars {
            defer { previousWasCR = scalar == "\r" }
            switch scalar {
            case "\\": out += "\\\\"
            case ";": out += "\\;"
            case ",": out += "\\,"
            case "\r": out += "\\n"
            case "\n": if !previousWasCR { out += "\\n" }
            case "\t": out += " "
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Folds a content line so no physical line exceeds 75 octets (RFC 5545 §3.1): a break is CRLF followed
    /// by one space, placed only between Unicode scalars so every line stays valid UTF-8.
    public static func fold(_ line: String) -> String {
        guard line.utf8.count > 75 else { return line }
        var out = ""
        var current = 0
        var limit = 75
        for scalar in line.unicodeScalars {
            let size = String(scalar).utf8.count
            if current + size > limit {
                out += "\r\n "
                current = 1
                limit = 75
            }
            out.unicodeScalars.append(scalar)
            current += size
        }
        return out
    }

    /// `20260314T090000Z`.
    public static func utc(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d%02d%02dT%02d%02d%02dZ", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
    }
}
