@testable import AVACore
import Foundation
import Testing

@Suite("ICS writer")
struct ICSWriterTests {
    let start = Date(timeIntervalSince1970: 1_773_478_800) // 2026-03-14T09:00:00Z

    @Test func writesACalendarWithCRLFAndUTCTimes() {
        let event = ICSEvent(uid: "a1@ava", start: start, end: start.addingTimeInterval(1800), summary: "Coupe – Léa",
                             description: "Tél. +33612345678", lastModified: start.addingTimeInterval(-60))
        let text = ICSWriter.write(ICSCalendar(name: "AVA", timeZoneID: "Europe/Paris", events: [event]), now: start)
        #expect(text.hasPrefix("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"))
        #expect(text.hasSuffix("END:VCALENDAR\r\n"))
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        #expect(text.contains("\r\nDTSTART:20260314T090000Z\r\n"))
        #expect(text.contains("\r\nDTEND:20260314T093000Z\r\n"))
        #expect(text.contains("\r\nDTSTAMP:20260314T085900Z\r\n"))
        #expect(text.contains("\r\nUID:a1@ava\r\n"))
        #expect(text.contains("\r\nSTATUS:CONFIRMED\r\n"))
        #expect(text.contains("\r\nX-WR-TIMEZONE:Europe/Paris\r\n"))
    }

    @Test func cancelledEventsSaySo() {
        let event = ICSEvent(uid: "c@ava", start: start, end: start, summary: "x", status: .cancelled)
        let text = ICSWriter.write(ICSCalendar(events: [event]), now: start)
        #expect(text.contains("\r\nSTATUS:CANCELLED\r\n"))
    }

    @Test func escapesText() {
        #expect(ICSWriter.escape("a,b;c\\d\ne\r\nf") == "a\\,b\\;c\\\\d\\ne\\nf")
        #expect(ICSWriter.escape("tab\there\u{07}") == "tab here")
    }

    @Test func foldsLongLinesAt75OctetsWithoutBreakingUTF8() {
        let hebrew = "SUMMARY:" + String(repeating: "שלום עולם ", count: 20)
        let folded = ICSWriter.fold(hebrew)
        let physical = folded.components(separatedBy: "\r\n")
        #expect(physical.count > 1)
        for (index, line) in physical.enumerated() {
            #expect(line.utf8.count <= 75)
            if index > 0 { #expect(line.hasPrefix(" ")) }
            // Each physical line is valid UTF-8 on its own.
            #expect(String(validating: Array(line.utf8), as: UTF8.self) != nil)
        }
        // Unfolding gives the line back.
        #expect(folded.replacingOccurrences(of: "\r\n ", with: "") == hebrew)
        #expect(ICSWriter.fold("SHORT:x") == "SHORT:x")
        let exactly75 = String(repeating: "a", count: 75)
        #expect(ICSWriter.fold(exactly75) == exactly75)
        let emoji = "DESCRIPTION:" + String(repeating: "👩‍👩‍👧", count: 10)
        for line in ICSWriter.fold(emoji).components(separatedBy: "\r\n") { #expect(line.utf8.count <= 75) }
    }

    @Test func utcFormat() {
        #expect(ICSWriter.utc(Date(timeIntervalSince1970: 0)) == "19700101T000000Z")
    }
}
