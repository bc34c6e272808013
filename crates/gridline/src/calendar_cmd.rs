//! `gridline calendar …`: the working-day calendar, checked by hand.

use anyhow::bail;
use chrono::{Datelike, NaiveDate};
use clap::Subcommand;
use gridline_domain::WorkCalendar;
use gridline_domain::calendar::ZONE;

#[derive(Subcommand)]
pub enum CalendarCommand {
    /// Lists a year's statutory days off and make-up working days.
    Show { year: i32 },
    /// Prints the resolution deadline of a ticket accepted on DATE with a DAYS target.
    Due { date: NaiveDate, days: u32 },
}

pub fn calendar(cal: &WorkCalendar, command: CalendarCommand) -> anyhow::Result<()> {
    match command {
        CalendarCommand::Show { year } => {
            if !cal.covers(year) {
                bail!(
                    "no calendar for {year}: add calendars/{year}.toml from the State Council's notice; loaded years: {:?}",
                    cal.years().collect::<Vec<_>>()
                );
            }
            println!("{year} 法定节假日 / statutory days off:");
            for d in cal.off_days(year) {
                println!("  {d} {}", weekday_zh(d));
            }
            println!("{year} 调休上班 / make-up working days:");
            for d in cal.makeup_days(year) {
                println!("  {d} {}", weekday_zh(d));
            }
            let working = NaiveDate::from_ymd_opt(year, 1, 1)
                .map(|start| {
                    start
                        .iter_days()
                        .take_while(|d| d.year() == year)
                        .filter(|d| cal.is_working_day(*d))
                        .count()
                })
                .unwrap_or(0);
            println!("{year} 工作日合计 / working days in all: {working}");
            Ok(())
        }
        CalendarCommand::Due { date, days } => {
            if days == 0 {
                bail!("the target must be at least 1 working day");
            }
            let accepted = gridline_domain::calendar::local_instant(date, cal.hours().start);
            let due = cal.resolution_due(accepted, days).with_timezone(&ZONE);
            println!(
                "accepted {date}, {days} working day(s): due {} {} (Asia/Shanghai)",
                due.format("%Y-%m-%d %H:%M"),
                weekday_zh(due.date_naive())
            );
            Ok(())
        }
    }
}

fn weekday_zh(d: NaiveDate) -> &'static str {
    ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
        [d.weekday().num_days_from_monday() as usize]
}
