#!/usr/bin/env python3
"""Cross-checks config/calendars/*.toml against the `chinesecalendar` package (PyPI).

Every day of every year we ship must be a working day in our file exactly when it is one
in chinesecalendar's data. Run by `make test`; exits 1 and lists the differing days.
"""
import datetime
import pathlib
import sys
import tomllib

import chinese_calendar

root = pathlib.Path(__file__).resolve().parent.parent / "config" / "calendars"
failures = []
checked = 0
for path in sorted(root.glob("*.toml")):
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    year = data["year"]
    off = {datetime.date.fromisoformat(d) for d in data["off"]}
    work = {datetime.date.fromisoformat(d) for d in data["workdays"]}
    day = datetime.date(year, 1, 1)
    while day.year == year:
        ours = day in work or (day.weekday() < 5 and day not in off)
        try:
            theirs = chinese_calendar.is_workday(day)
        except NotImplementedError:
            print(f"{path.name}: chinesecalendar has no data for {year}; skipped")
            break
        if ours != theirs:
            failures.append(f"{day}: ours {'work' if ours else 'off'}, chinesecalendar {'work' if theirs else 'off'}")
        checked += 1
        day += datetime.timedelta(days=1)

for f in failures:
    print(f)
print(f"calendar check: {checked} days compared, {len(failures)} differ")
sys.exit(1 if failures else 0)
