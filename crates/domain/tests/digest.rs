//! The digest's numbers on hand-made cases, with the real 2026 calendar file.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use gridline_domain::digest::{EventFact, Period, compute, due_periods};
use gridline_domain::notice::{NoticeKind, NoticePolicy, deadline_notices};
use gridline_domain::*;

fn calendar() -> WorkCalendar {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../config/calendars/2026.toml"
    ))
    .unwrap();
    let year: CalendarYear = toml::from_str(&text).unwrap();
    WorkCalendar::new(vec![year], WorkingHours::default()).unwrap()
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn ticket(id: i64, dept: i64, created: &str) -> Ticket {
    let c = at(created);
    Ticket {
        id: TicketId(id),
        number: format!("GL-2026-{id:06}"),
        status: Status::Submitted,
        enterprise_id: EnterpriseId(1),
        grid_id: GridId(1),
        category: Category::Land,
        priority: Priority::Normal,
        title: format!("工单{id}"),
        description: String::new(),
        filed_by: UserId(1),
        accountable_leader_id: Some(UserId(7)),
        department_id: Some(DepartmentId(dept)),
        responsible_person_id: Some(UserId(8)),
        tracker_id: None,
        task_force_id: None,
        co_handlers: vec![],
        queued_at: None,
        dispatch_due_at: None,
        response_due_at: None,
        resolution_due_at: None,
        dispatched_at: None,
        accepted_at: None,
        resolved_at: None,
        closed_at: None,
        reopen_count: 0,
        return_count: 0,
        satisfaction: None,
        last_return: None,
        pending_extension: None,
        pending_pause: None,
        pause: None,
        forced_department: None,
        closure: None,
        duplicate_of: None,
        version: 1,
        created_at: c,
        updated_at: c,
    }
}

fn event(id: i64, action: ActionKind, when: &str) -> EventFact {
    EventFact {
        ticket_id: TicketId(id),
        action,
        at: at(when),
        satisfaction: None,
        department_id: None,
        paused_secs: None,
    }
}

#[test]
fn resolved_on_a_make_up_saturday_is_on_time_and_signed_after_the_holiday_is_not_late() {
    let cal = calendar();
    // Dispatched on the afternoon before National Day with 8 working hours to sign: one hour
    // on 30 September, seven on 8 October. Signed at 10:00 on 8 October: on time.
    let mut a = ticket(1, 10, "2026-09-30T16:00:00+08:00");
    a.status = Status::Resolved;
    a.dispatched_at = Some(at("2026-09-30T17:00:00+08:00"));
    a.response_due_at = Some(cal.add_working_hours(a.dispatched_at.unwrap(), 8));
    assert_eq!(a.response_due_at, Some(at("2026-10-08T16:00:00+08:00")));
    a.accepted_at = Some(at("2026-10-08T10:00:00+08:00"));
    // Two working days after signing on 8 October: 9 (Fri), 10 (the make-up Saturday).
    a.resolution_due_at = Some(cal.resolution_due(a.accepted_at.unwrap(), 2));
    assert_eq!(
        a.resolution_due_at,
        Some(at("2026-10-10T18:00:00+08:00")),
        "due on the make-up Saturday"
    );
    a.resolved_at = Some(at("2026-10-10T15:30:00+08:00"));

    // Signed late: due 16:00 on 8 October, signed the next morning; resolved after its deadline.
    let mut b = ticket(2, 11, "2026-09-30T16:00:00+08:00");
    b.status = Status::Resolved;
    b.dispatched_at = a.dispatched_at;
    b.response_due_at = a.response_due_at;
    b.accepted_at = Some(at("2026-10-09T09:30:00+08:00"));
    b.resolution_due_at = Some(cal.resolution_due(b.accepted_at.unwrap(), 1));
    assert_eq!(b.resolution_due_at, Some(at("2026-10-10T18:00:00+08:00")));
    b.resolved_at = Some(at("2026-10-11T10:00:00+08:00")); // Sunday, a day late

    // Still open and overdue at the end of the week: due Friday 9 October.
    let mut c = ticket(3, 11, "2026-10-05T10:00:00+08:00");
    c.status = Status::Accepted;
    c.dispatched_at = Some(at("2026-10-08T09:00:00+08:00"));
    c.response_due_at = Some(at("2026-10-08T17:00:00+08:00"));
    c.accepted_at = Some(at("2026-10-08T11:00:00+08:00"));
    c.resolution_due_at = Some(at("2026-10-09T18:00:00+08:00"));

    let events = vec![
        event(1, ActionKind::Resolve, "2026-10-10T15:30:00+08:00"),
        event(2, ActionKind::Resolve, "2026-10-11T10:00:00+08:00"),
        EventFact {
            satisfaction: Some(Satisfaction::Satisfied),
            ..event(1, ActionKind::Report, "2026-10-11T11:00:00+08:00")
        },
        event(1, ActionKind::Close, "2026-10-11T11:00:00+08:00"),
        EventFact {
            satisfaction: Some(Satisfaction::Unsatisfied),
            ..event(2, ActionKind::Report, "2026-10-11T12:00:00+08:00")
        },
        event(2, ActionKind::Reopen, "2026-10-11T12:00:00+08:00"),
        EventFact {
            department_id: Some(DepartmentId(12)),
            ..event(3, ActionKind::Return, "2026-10-06T09:00:00+08:00")
        },
        // Outside the period: not counted.
        event(3, ActionKind::Resolve, "2026-10-12T09:00:00+08:00"),
    ];
    let week = Period::parse("2026-W41").unwrap();
    assert_eq!(week.first_day().to_string(), "2026-10-05");
    let stats = compute(week, &[a.clone(), b.clone(), c.clone()], &events, &cal);

    assert_eq!(stats.filed, 1, "only c was filed in the week");
    assert_eq!((stats.signed, stats.signed_on_time), (3, 2));
    assert_eq!(stats.signing_rate, Some(2.0 / 3.0));
    assert_eq!((stats.resolved, stats.resolved_on_time), (2, 1));
    assert_eq!(stats.resolution_rate, Some(0.5));
    assert_eq!(stats.closed, 1);
    assert_eq!(
        (
            stats.satisfied,
            stats.basically_satisfied,
            stats.unsatisfied
        ),
        (1, 0, 1)
    );
    assert_eq!(stats.satisfaction_rate, Some(0.5));
    assert_eq!((stats.returns, stats.reopenings), (1, 1));
    // a: signed Thu, resolved Sat (make-up) = 2 working days; b: Fri to Sun = 1 (Sat).
    assert_eq!(stats.avg_working_days_to_resolve, Some(1.5));
    assert_eq!(stats.open_at_end, 1);
    assert_eq!(stats.overdue_at_end, 1);
    assert_eq!(stats.overdue[0].ticket_id, TicketId(3));
    // Due Friday 9 October; the week ends at midnight into Monday 12 October. Working days
    // after the Friday up to then: Saturday 10 (make-up) and Monday 12.
    assert_eq!(stats.overdue[0].days_overdue, 2);
    assert_eq!(stats.overdue[0].accountable_leader_id, Some(UserId(7)));
    // Ranking: department 10 resolved all on time; 11 resolved late and has the overdue one.
    let order: Vec<i64> = stats.ranking.iter().map(|l| l.department_id.0).collect();
    assert_eq!(order, [10, 11, 12]);
    assert_eq!(stats.ranking[1].overdue, 1);
    assert_eq!(stats.ranking[1].reopenings, 1);
    assert_eq!(stats.ranking[2].returns, 1);
    // Trend: one point per day, filed on Monday 5 October, resolved on Saturday and Sunday.
    assert_eq!(stats.trend.len(), 7);
    assert_eq!(stats.trend[0].filed, 1);
    assert_eq!((stats.trend[5].resolved, stats.trend[6].resolved), (1, 1));
}

/// Tickets that end without the loop are counted apart and leave the departments alone: a
/// ticket withdrawn after its department signed it late and returned it once adds nothing
/// to that department's line, while the same history on a ticket still open does.
#[test]
fn closures_are_counted_apart_and_leave_departments_alone() {
    let cal = calendar();
    let signed_late = |id| {
        let mut t = ticket(id, 10, "2026-10-05T09:00:00+08:00");
        t.status = Status::Accepted;
        t.dispatched_at = Some(at("2026-10-05T10:00:00+08:00"));
        t.response_due_at = Some(at("2026-10-05T11:00:00+08:00"));
        t.accepted_at = Some(at("2026-10-06T10:00:00+08:00"));
        t.resolution_due_at = Some(at("2026-10-07T18:00:00+08:00"));
        t
    };
    let kept = signed_late(1);
    let mut withdrawn = signed_late(2);
    withdrawn.status = Status::Closed;
    withdrawn.closure = Some(Closure::Withdrawn);
    withdrawn.closed_at = Some(at("2026-10-08T09:00:00+08:00"));
    let mut duplicate = ticket(3, 10, "2026-10-06T09:00:00+08:00");
    duplicate.status = Status::Closed;
    duplicate.closure = Some(Closure::Duplicate);
    duplicate.duplicate_of = Some(TicketId(1));
    duplicate.closed_at = Some(at("2026-10-06T10:00:00+08:00"));
    let mut invalid_before = ticket(4, 10, "2026-09-28T09:00:00+08:00");
    invalid_before.status = Status::Closed;
    invalid_before.closure = Some(Closure::Invalid);
    invalid_before.closed_at = Some(at("2026-09-29T09:00:00+08:00"));
    let returned = |id| EventFact {
        department_id: Some(DepartmentId(10)),
        ..event(id, ActionKind::Return, "2026-10-05T10:30:00+08:00")
    };
    let week = Period::parse("2026-W41").unwrap();
    let stats = compute(
        week,
        &[kept, withdrawn, duplicate, invalid_before],
        &[returned(1), returned(2)],
        &cal,
    );
    assert_eq!(
        (stats.duplicates, stats.withdrawn, stats.invalid),
        (1, 1, 0),
        "the invalid one ended before the week"
    );
    assert_eq!(stats.closed, 0, "closures are not the loop's close");
    assert_eq!((stats.signed, stats.signed_on_time), (1, 0));
    let line = &stats.ranking[0];
    assert_eq!(stats.ranking.len(), 1);
    assert_eq!((line.signed, line.overdue, line.returns), (1, 1, 1));
    assert_eq!(stats.overdue_at_end, 1);
    assert_eq!(stats.open_at_end, 1);
}

#[test]
fn periods_parse_and_fall_due() {
    assert_eq!(Period::parse("2026-W48").unwrap().to_string(), "2026-W48");
    assert_eq!(Period::parse("2026-11").unwrap().to_string(), "2026-11");
    for bad in [
        "2026-W54",
        "2026-13",
        "2026-1",
        "W48",
        "",
        "2026-W",
        "262142-W50",
        "+2026-11",
        "-001-01",
    ] {
        assert!(Period::parse(bad).is_none(), "{bad}");
    }
    // What a person may ask to see is bounded around today (the dashboard's period).
    let today = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
    assert!(Period::parse_recent("2026-W48", today).is_some());
    assert!(Period::parse_recent("2016-01", today).is_some());
    assert!(Period::parse_recent("2027-12", today).is_some());
    assert!(Period::parse_recent("2015-12", today).is_none());
    assert!(Period::parse_recent("2028-01", today).is_none());
    assert!(Period::parse_recent("9999-W01", today).is_none());
    let nov = Period::parse("2026-11").unwrap();
    assert_eq!(nov.days().len(), 30);
    let cal = calendar();
    let nine = NaiveTime::from_hms_opt(9, 0, 0).unwrap();
    // National Day: October's first working day is Thursday 8 October.
    let due = due_periods(
        &cal,
        nine,
        at("2026-10-01T00:00:00+08:00"),
        at("2026-10-08T09:00:00+08:00"),
    );
    assert_eq!(
        due.iter().map(ToString::to_string).collect::<Vec<_>>(),
        ["2026-W40", "2026-09"]
    );
    // Monday 1 June 2026: a week and a month fall due together; not before 09:00.
    let due = due_periods(
        &cal,
        nine,
        at("2026-05-31T12:00:00+08:00"),
        at("2026-06-01T08:59:00+08:00"),
    );
    assert!(due.is_empty());
    let due = due_periods(
        &cal,
        nine,
        at("2026-05-31T12:00:00+08:00"),
        at("2026-06-01T09:00:00+08:00"),
    );
    assert_eq!(
        due.iter().map(ToString::to_string).collect::<Vec<_>>(),
        ["2026-W22", "2026-05"]
    );
}

/// The notice policy of the tests: warn at 75%, supervise after two working days overdue.
fn policy() -> NoticePolicy {
    NoticePolicy {
        warn_share: 0.75,
        supervise_after_days: 2,
    }
}

/// A ticket dispatched on Monday 9 March 2026 at 09:00, to sign for by 17:00.
fn dispatched() -> Ticket {
    let mut t = ticket(1, 10, "2026-03-09T09:00:00+08:00");
    t.status = Status::Dispatched;
    t.dispatched_at = Some(at("2026-03-09T09:00:00+08:00"));
    t.response_due_at = Some(at("2026-03-09T17:00:00+08:00"));
    t
}

#[test]
fn deadline_notices_warn_then_overdue_then_supervise() {
    let cal = calendar();
    let policy = policy();
    let mut t = dispatched();
    let kinds = |t: &Ticket, now: &str| -> Vec<NoticeKind> {
        deadline_notices(t, at(now), &cal, &policy)
            .iter()
            .map(|n| n.kind)
            .collect()
    };
    assert!(kinds(&t, "2026-03-09T14:59:00+08:00").is_empty());
    assert_eq!(
        kinds(&t, "2026-03-09T15:00:00+08:00"),
        [NoticeKind::ResponseWarning]
    );
    assert_eq!(
        kinds(&t, "2026-03-09T17:00:00+08:00"),
        [NoticeKind::ResponseOverdue]
    );
    t.status = Status::Accepted;
    t.accepted_at = Some(at("2026-03-10T09:00:00+08:00"));
    t.resolution_due_at = Some(at("2026-03-12T18:00:00+08:00"));
    assert_eq!(
        kinds(&t, "2026-03-12T10:00:00+08:00"),
        [NoticeKind::ResolutionWarning]
    );
    assert_eq!(
        kinds(&t, "2026-03-13T10:00:00+08:00"),
        [NoticeKind::ResolutionOverdue]
    );
    assert_eq!(
        kinds(&t, "2026-03-16T10:00:00+08:00"),
        [
            NoticeKind::ResolutionOverdue,
            NoticeKind::ResolutionSupervise
        ]
    );
    let n = deadline_notices(&t, at("2026-03-16T10:00:00+08:00"), &cal, &policy);
    assert_ne!(n[0].dedupe_key(1), n[1].dedupe_key(1));
    t.status = Status::Resolved;
    assert!(kinds(&t, "2026-03-16T10:00:00+08:00").is_empty());
}

/// A notice is sent only while its reason stands: the response warning of a ticket already
/// signed, or a resolution notice after resolution or an extension, is obsolete.
#[test]
fn notices_are_obsolete_once_their_deadline_is_gone() {
    let cal = calendar();
    let policy = policy();
    let mut t = dispatched();
    let warn = deadline_notices(&t, at("2026-03-09T15:00:00+08:00"), &cal, &policy)[0];
    assert_eq!(warn.kind, NoticeKind::ResponseWarning);
    assert!(warn.still_due(&t).is_ok());
    // Signed before the warning went out: the warning is obsolete.
    t.status = Status::Accepted;
    t.accepted_at = Some(at("2026-03-09T15:30:00+08:00"));
    t.resolution_due_at = Some(at("2026-03-12T18:00:00+08:00"));
    assert!(warn.still_due(&t).is_err());
    let overdue = deadline_notices(&t, at("2026-03-13T10:00:00+08:00"), &cal, &policy)[0];
    assert!(overdue.still_due(&t).is_ok());
    // An approved extension moves the deadline: the old deadline's notice is obsolete.
    t.resolution_due_at = Some(at("2026-03-17T18:00:00+08:00"));
    assert!(overdue.still_due(&t).is_err());
    t.resolution_due_at = Some(at("2026-03-12T18:00:00+08:00"));
    t.status = Status::Resolved;
    assert!(overdue.still_due(&t).is_err());
}

/// The pages' traffic light (红黄灯) turns yellow exactly when the warning mail is due and
/// red exactly when the overdue one is, minute by minute over a whole resolution period.
#[test]
fn traffic_light_agrees_with_the_mails() {
    use gridline_domain::notice::{Light, light};
    let cal = calendar();
    let policy = policy();
    let mut t = ticket(1, 10, "2026-03-09T09:00:00+08:00");
    assert_eq!(
        light(&t, at("2026-03-09T10:00:00+08:00"), &policy),
        None,
        "no deadline yet"
    );
    t.status = Status::Accepted;
    t.accepted_at = Some(at("2026-03-10T09:00:00+08:00"));
    t.resolution_due_at = Some(at("2026-03-12T18:00:00+08:00"));
    let mut seen = std::collections::BTreeSet::new();
    let mut now = at("2026-03-10T09:00:00+08:00");
    while now < at("2026-03-14T00:00:00+08:00") {
        let l = light(&t, now, &policy).unwrap();
        let mails: Vec<NoticeKind> = deadline_notices(&t, now, &cal, &policy)
            .iter()
            .map(|n| n.kind)
            .collect();
        let expected = if mails.contains(&NoticeKind::ResolutionOverdue) {
            Light::Red
        } else if mails.contains(&NoticeKind::ResolutionWarning) {
            Light::Yellow
        } else {
            Light::Green
        };
        assert_eq!(l, expected, "at {now}");
        seen.insert(format!("{l:?}"));
        now += chrono::Duration::minutes(1);
    }
    assert_eq!(seen.len(), 3, "green, yellow and red were all seen");
    t.status = Status::Resolved;
    assert_eq!(light(&t, now, &policy), None, "resolved: no light");
}

mod calendar_files {
    use gridline_domain::{CalendarYear, WorkCalendar, WorkingHours};
    use proptest::prelude::*;

    proptest! {
        /// Any text offered as a calendar file is either refused with an error or loads;
        /// nothing panics.
        #[test]
        fn arbitrary_calendar_text_never_panics(text in "\\PC{0,200}") {
            if let Ok(year) = toml::from_str::<CalendarYear>(&text) {
                let _ = WorkCalendar::new(vec![year], WorkingHours::default());
            }
        }

        /// Well-formed files with arbitrary dates: loaded or refused with a reason.
        #[test]
        fn arbitrary_dates_are_checked(
            year in 2020i32..2035,
            off in prop::collection::vec((1u32..13, 1u32..29), 0..20),
            work in prop::collection::vec((1u32..13, 1u32..29), 0..8),
        ) {
            let fmt = |(m, d): &(u32, u32)| format!("\"{year}-{m:02}-{d:02}\"");
            let text = format!(
                "year = {year}\noff = [{}]\nworkdays = [{}]\n",
                off.iter().map(fmt).collect::<Vec<_>>().join(","),
                work.iter().map(fmt).collect::<Vec<_>>().join(","),
            );
            let parsed: CalendarYear = toml::from_str(&text).unwrap();
            if let Ok(cal) = WorkCalendar::new(vec![parsed], WorkingHours::default()) {
                for (m, d) in &work {
                    let date = chrono::NaiveDate::from_ymd_opt(year, *m, *d).unwrap();
                    prop_assert!(cal.is_working_day(date), "a make-up day is a working day");
                }
            }
        }
    }
}

/// The dispatch clock (派单时限): a ticket in the queue has a running deadline with the same
/// warning and overdue thresholds as the others, for the grid's dispatchers; a return starts
/// a new one from the return; dispatching ends it and the digest counts whether in time.
#[test]
fn the_dispatch_clock_runs_in_the_queue() {
    use gridline_domain::notice::{Light, Recipient, light};
    use gridline_domain::text::Remark;
    use gridline_domain::ticket::{DispatchOrder, ReturnCode, execute};
    let cal = calendar();
    // Filed on Monday 9 March at 09:00 with four working hours to dispatch.
    let filed = at("2026-03-09T09:00:00+08:00");
    let due = cal.add_working_hours(filed, 4);
    let mut t = ticket(1, 10, "2026-03-09T09:00:00+08:00");
    t.department_id = None;
    t.accountable_leader_id = None;
    t.responsible_person_id = None;
    t.queued_at = Some(filed);
    t.dispatch_due_at = Some(due);
    assert_eq!(t.next_due_at(), Some(due));
    let p = policy();
    assert_eq!(light(&t, filed, &p), Some(Light::Green));
    let warn_point = gridline_domain::notice::warn_at(filed, due, &p);
    assert_eq!(light(&t, warn_point, &p), Some(Light::Yellow));
    let n = deadline_notices(&t, warn_point, &cal, &p);
    assert_eq!(n.len(), 1);
    assert_eq!(n[0].kind, NoticeKind::DispatchWarning);
    assert_eq!(n[0].kind.recipients(), [Recipient::GridDispatcher]);
    let n = deadline_notices(&t, due, &cal, &p);
    assert_eq!(
        n.iter().map(|n| n.kind).collect::<Vec<_>>(),
        [NoticeKind::DispatchOverdue],
        "no supervision notice for the queue"
    );
    assert!(n[0].still_due(&t).is_ok());
    assert!(t.is_overdue(due + chrono::Duration::minutes(1)));

    // Dispatched late: the response clock runs, the dispatch notice is obsolete.
    let head = UserFacts {
        id: UserId(50),
        role: Role::Dispatcher,
        department_id: None,
        grid_id: Some(GridId(1)),
        task_force_id: None,
        top_leader: false,
        service_centre: false,
        department_head: false,
    };
    let officer = UserFacts {
        id: UserId(8),
        role: Role::DepartmentOfficer,
        department_id: Some(DepartmentId(10)),
        ..head.clone()
    };
    let leader = UserFacts {
        id: UserId(7),
        role: Role::Leader,
        grid_id: None,
        ..head.clone()
    };
    let sla = SlaTargets {
        dispatch_hours: 4,
        response_hours: 8,
        resolution_days: 5,
        co_reply_hours: 16,
    };
    let late = due + chrono::Duration::hours(1);
    let ctx = |now, version| Context {
        now,
        calendar: &cal,
        sla,
        expected_version: version,
    };
    let dispatcher = Actor {
        user: head,
        linked_grids: vec![],
    };
    let order = Command::Dispatch(DispatchOrder {
        leader,
        department_id: DepartmentId(10),
        person: officer.clone(),
        tracker: None,
        co_department_ids: vec![],
    });
    let (dispatched, _) = execute(&t, &dispatcher, &order, &ctx(late, 1)).unwrap();
    assert_eq!(dispatched.dispatch_due_at, Some(due), "kept for the record");
    assert_eq!(dispatched.next_due_at(), dispatched.response_due_at);
    assert!(n[0].still_due(&dispatched).is_err());
    let week = Period::parse("2026-W11").unwrap();
    let stats = compute(week, std::slice::from_ref(&dispatched), &[], &cal);
    assert_eq!(
        (
            stats.dispatched,
            stats.dispatched_on_time,
            stats.dispatch_rate
        ),
        (1, 0, Some(0.0))
    );

    // Returned: back in the queue with a new dispatch deadline from the return.
    let department = Actor {
        user: officer,
        linked_grids: vec![],
    };
    let back_at = late + chrono::Duration::hours(1);
    let ret = Command::Return {
        reason: ReturnReason::parse(
            ReturnCode::Other,
            Some(Remark::parse("非本部门").unwrap().as_str()),
        )
        .unwrap(),
        arbitration_after: 2,
    };
    let (returned, _) = execute(&dispatched, &department, &ret, &ctx(back_at, 2)).unwrap();
    assert_eq!(returned.queued_at, Some(back_at));
    assert_eq!(
        returned.dispatch_due_at,
        Some(cal.add_working_hours(back_at, 4))
    );
    assert_eq!(returned.next_due_at(), returned.dispatch_due_at);
    // Still waiting at the week's end, past the new deadline.
    let stats = compute(week, std::slice::from_ref(&returned), &[], &cal);
    assert_eq!(stats.dispatch_overdue_at_end, 1);
}

/// 主办/协办: co-handlers named at dispatch each owe an opinion by the configured deadline;
/// the responsible department may not resolve while one is awaited unless it says why; a
/// late opinion is a notice, and a late co-handler is counted in the ranking.
#[test]
fn co_handling_replies() {
    use gridline_domain::text::Remark;
    use gridline_domain::ticket::{DispatchOrder, execute};
    let cal = calendar();
    let filed = at("2026-03-09T01:00:00Z"); // Monday 09:00 in Beijing
    let mut t = ticket(1, 10, "2026-03-09T01:00:00Z");
    t.department_id = None;
    t.accountable_leader_id = None;
    t.responsible_person_id = None;
    let user = |id: i64, role: Role, dept: Option<i64>| Actor {
        user: UserFacts {
            id: UserId(id),
            role,
            department_id: dept.map(DepartmentId),
            grid_id: Some(GridId(1)),
            task_force_id: None,
            top_leader: false,
            service_centre: false,
            department_head: false,
        },
        linked_grids: vec![GridId(1)],
    };
    let (head, leader) = (
        user(50, Role::Dispatcher, None),
        user(7, Role::Leader, None),
    );
    let (officer, co_a, co_b, stranger) = (
        user(8, Role::DepartmentOfficer, Some(10)),
        user(11, Role::DepartmentOfficer, Some(11)),
        user(12, Role::DepartmentOfficer, Some(12)),
        user(13, Role::DepartmentOfficer, Some(13)),
    );
    let sla = SlaTargets {
        dispatch_hours: 4,
        response_hours: 8,
        resolution_days: 5,
        co_reply_hours: 8,
    };
    let ctx = |now, version| Context {
        now,
        calendar: &cal,
        sla,
        expected_version: version,
    };
    // The responsible department and a repeat are not co-handlers.
    let order = Command::Dispatch(DispatchOrder {
        leader: leader.user.clone(),
        department_id: DepartmentId(10),
        person: officer.user.clone(),
        tracker: None,
        co_department_ids: [10, 11, 12, 11].map(DepartmentId).to_vec(),
    });
    let (t, events) = execute(&t, &head, &order, &ctx(filed, 1)).unwrap();
    let due = cal.add_working_hours(filed, 8);
    assert_eq!(t.co_department_ids(), [11, 12].map(DepartmentId));
    assert!(t.co_handlers.iter().all(|c| c.reply_due_at == Some(due)));
    assert_eq!(
        events[0].kind.named_co_departments(),
        [11, 12].map(DepartmentId)
    );
    let (t, _) = execute(&t, &officer, &Command::Accept, &ctx(filed, 2)).unwrap();

    // Only a co-handling department's officer replies, once.
    let opinion = Command::CoReply(Remark::parse("同意，由本局配合现场核查").unwrap());
    let reply_at = filed + chrono::Duration::hours(1);
    for (who, refused) in [(&officer, "forbidden"), (&stranger, "not_visible")] {
        let err = execute(&t, who, &opinion, &ctx(reply_at, 3)).unwrap_err();
        assert!(
            matches!(
                (&err, refused),
                (DomainError::Forbidden { .. }, "forbidden")
                    | (DomainError::NotVisible, "not_visible")
            ),
            "{err:?}"
        );
    }
    assert!(ticket::available_actions(&t, &co_a).contains(&ActionKind::CoReply));
    let (t, _) = execute(&t, &co_a, &opinion, &ctx(reply_at, 3)).unwrap();
    assert_eq!(t.co_handlers[0].replied_at, Some(reply_at));
    assert_eq!(t.co_handlers[0].replied_by, Some(UserId(11)));
    assert!(!ticket::available_actions(&t, &co_a).contains(&ActionKind::CoReply));
    let again = execute(&t, &co_a, &opinion, &ctx(reply_at, 4)).unwrap_err();
    assert!(
        matches!(
            again,
            DomainError::Invalid {
                code: "already_replied",
                ..
            }
        ),
        "{again:?}"
    );

    // Department 12 is late: one overdue notice, to it and the responsible person.
    let p = policy();
    let late = due + chrono::Duration::hours(1);
    let n = deadline_notices(&t, late, &cal, &p);
    let co: Vec<_> = n
        .iter()
        .filter(|n| n.kind == NoticeKind::CoReplyOverdue)
        .collect();
    assert_eq!(co.len(), 1, "{n:?}");
    assert_eq!(co[0].due_at, due);
    assert!(co[0].still_due(&t).is_ok());
    assert!(
        deadline_notices(&t, due - chrono::Duration::minutes(1), &cal, &p)
            .iter()
            .all(|n| n.kind != NoticeKind::CoReplyOverdue)
    );

    assert!(ticket::available_actions(&t, &co_b).contains(&ActionKind::CoReply));
    // Resolving while 12's opinion is awaited needs a reason.
    let bare = Command::Resolve {
        resolution: Remark::parse("已协调解决").unwrap(),
        unanswered_reason: None,
    };
    let err = execute(&t, &officer, &bare, &ctx(late, 4)).unwrap_err();
    assert!(
        matches!(
            err,
            DomainError::Invalid {
                code: "co_replies_outstanding",
                field: "unanswered_reason",
                ..
            }
        ),
        "{err:?}"
    );
    let reasoned = Command::Resolve {
        resolution: Remark::parse("已协调解决").unwrap(),
        unanswered_reason: Some(Remark::parse("企业急需，协办意见不影响办理结果").unwrap()),
    };
    let (resolved, events) = execute(&t, &officer, &reasoned, &ctx(late, 4)).unwrap();
    assert!(matches!(
        &events[0].kind,
        EventKind::Resolved { unanswered_reason: Some(r), .. } if r.contains("企业急需")
    ));
    assert!(
        co[0].still_due(&resolved).is_err(),
        "no opinion is wanted once resolved"
    );

    // The week's ranking: 12 owed one opinion and gave it late (not at all), 11 on time;
    // otherwise equal, 11 ranks first.
    let week = Period::parse("2026-W11").unwrap();
    let stats = compute(week, std::slice::from_ref(&resolved), &[], &cal);
    let line = |d: i64| {
        stats
            .ranking
            .iter()
            .position(|l| l.department_id == DepartmentId(d))
            .map(|i| {
                (
                    i,
                    stats.ranking[i].co_replies,
                    stats.ranking[i].co_replies_late,
                )
            })
    };
    let (a, b) = (line(11).unwrap(), line(12).unwrap());
    assert_eq!((a.1, a.2, b.1, b.2), (1, 0, 1, 1));
    assert!(a.0 < b.0, "{:?}", stats.ranking);
}

/// 未诉先办: the period's tickets by category, grid and cluster (two or more), and the
/// enterprises with repeat problems; duplicates and invalid requests are not counted, nor
/// tickets filed outside the period.
#[test]
fn hotspots_of_a_period() {
    use gridline_domain::digest::hotspots;
    let week = Period::parse("2026-W11").unwrap();
    let mut all = Vec::new();
    for (id, ent, cat, when, closure) in [
        (1, 1, Category::Land, "2026-03-09T02:00:00Z", None),
        (2, 2, Category::Land, "2026-03-10T02:00:00Z", None),
        (3, 2, Category::Hiring, "2026-03-11T02:00:00Z", None),
        (
            4,
            3,
            Category::Land,
            "2026-03-11T03:00:00Z",
            Some(Closure::Duplicate),
        ),
        (5, 2, Category::Land, "2026-03-02T02:00:00Z", None),
        (
            6,
            4,
            Category::Land,
            "2026-03-12T02:00:00Z",
            Some(Closure::Withdrawn),
        ),
    ] {
        let mut t = ticket(id, 10, when);
        t.enterprise_id = EnterpriseId(ent);
        t.category = cat;
        t.closure = closure;
        all.push(t);
    }
    let cluster = |e: EnterpriseId| (e.0 != 4).then_some(Cluster::ElectronicInformation);
    let h = hotspots(week, &all, &cluster);
    assert_eq!(h.cells.len(), 1, "{h:?}");
    let c = &h.cells[0];
    assert_eq!(
        (c.category, c.grid_id, c.cluster, c.count),
        (
            Category::Land,
            GridId(1),
            Some(Cluster::ElectronicInformation),
            2
        )
    );
    assert_eq!(h.repeats.len(), 1);
    assert_eq!(h.repeats[0].enterprise_id, EnterpriseId(2));
    assert_eq!(h.repeats[0].count, 2);
    assert_eq!(h.repeats[0].categories, [Category::Land, Category::Hiring]);
}

/// Per-person workload: what each responsible person holds at the period's end, signed and
/// resolved on time, average working days, reopenings.
#[test]
fn per_person_workload() {
    let cal = calendar();
    let week = Period::parse("2026-W11").unwrap();
    let mut done = ticket(1, 10, "2026-03-09T01:00:00Z");
    done.status = Status::Closed;
    done.response_due_at = Some(at("2026-03-09T09:00:00Z"));
    done.accepted_at = Some(at("2026-03-09T02:00:00Z"));
    done.resolution_due_at = Some(at("2026-03-16T10:00:00Z"));
    done.resolved_at = Some(at("2026-03-11T02:00:00Z"));
    done.closed_at = Some(at("2026-03-12T02:00:00Z"));
    let mut open = ticket(2, 10, "2026-03-10T01:00:00Z");
    open.status = Status::Accepted;
    open.response_due_at = Some(at("2026-03-10T02:00:00Z"));
    open.accepted_at = Some(at("2026-03-10T05:00:00Z"));
    let mut other = ticket(3, 11, "2026-03-10T01:00:00Z");
    other.responsible_person_id = Some(UserId(9));
    other.closure = Some(Closure::Withdrawn);
    let events = [event(1, ActionKind::Reopen, "2026-03-10T06:00:00Z")];
    let stats = compute(week, &[done, open, other], &events, &cal);
    assert_eq!(
        stats.people.len(),
        1,
        "the withdrawn ticket counts for nobody"
    );
    let p = &stats.people[0];
    assert_eq!(p.person_id, UserId(8));
    assert_eq!(
        (
            p.held,
            p.signed,
            p.signed_on_time,
            p.resolved,
            p.resolved_on_time,
            p.reopenings
        ),
        (1, 2, 1, 1, 1, 1)
    );
    assert_eq!(p.avg_working_days, Some(2.0));
}
