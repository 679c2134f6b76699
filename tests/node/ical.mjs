// Reads an iCalendar document with Mozilla's ical.js (the parser Thunderbird uses) and
// prints its events as JSON: uid, summary, start and end as UTC ISO instants.
// Usage: node ical.mjs <file.ics>
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const text = readFileSync(process.argv[2], "utf8");
const calendar = new ICAL.Component(ICAL.parse(text));
if (calendar.name !== "vcalendar") throw new Error(`not a calendar: ${calendar.name}`);
if (calendar.getFirstPropertyValue("version") !== "2.0") throw new Error("VERSION is not 2.0");
const events = calendar.getAllSubcomponents("vevent").map((c) => {
  const e = new ICAL.Event(c);
  const utc = (t) => {
    if (!t.zone || t.zone.tzid !== "UTC") throw new Error(`${e.uid}: not a UTC instant: ${t}`);
    return new Date(t.toUnixTime() * 1000).toISOString();
  };
  return {
    uid: e.uid,
    summary: e.summary,
    start: utc(e.startDate),
    end: utc(e.endDate),
    stamp: c.getFirstPropertyValue("dtstamp") !== null,
  };
});
process.stdout.write(JSON.stringify({ name: calendar.getFirstPropertyValue("x-wr-calname"), events }));
