"""Parses an ICS feed (stdin) with the icalendar package, checks its framing (CRLF, 75-octet lines) and
prints what it read as JSON, for CalendarFeedTests.swift. Exit 1 with the problems on stderr if any."""
import json
import sys

import icalendar

raw = sys.stdin.buffer.read()
problems = []
if not raw.endswith(b"\r\n"):
    problems.append("does not end with CRLF")
for number, line in enumerate(raw.split(b"\r\n")[:-1], 1):
    if b"\n" in line or b"\r" in line:
        problems.append(f"line {number}: bare LF or CR")
    if len(line) > 75:
        problems.append(f"line {number}: {len(line)} octets")
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        problems.append(f"line {number}: not UTF-8 on its own (a fold split a character)")

calendar = icalendar.Calendar.from_ical(raw.decode("utf-8"))
for required in ("VERSION", "PRODID"):
    if required not in calendar:
        problems.append(f"VCALENDAR without {required}")
events = []
for event in calendar.walk("VEVENT"):
    for required in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY"):
        if required not in event:
            problems.append(f"VEVENT without {required}")
    start = event.decoded("DTSTART")
    end = event.decoded("DTEND")
    if start.tzinfo is None or start.utcoffset().total_seconds() != 0:
        problems.append("DTSTART not in UTC")
    events.append({
        "uid": str(event.get("UID")),
        "summary": str(event.get("SUMMARY")),
        "description": str(event.get("DESCRIPTION", "")),
        "status": str(event.get("STATUS", "")),
        "start": int(start.timestamp()),
        "end": int(end.timestamp()),
    })
if problems:
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)
print(json.dumps({"name": str(calendar.get("X-WR-CALNAME", "")), "events": events}, ensure_ascii=False))
