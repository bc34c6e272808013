//! Every state × action × role, in the actor's own scope and in a foreign one, checked
//! against the lifecycle written out as a table here (independently of the permission
//! table in `permission.rs`).

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use chrono::{DateTime, TimeZone, Utc};
use gridline_domain::text::Remark;
use gridline_domain::ticket::{DispatchOrder, allowed_from, execute};
use gridline_domain::*;

const GRID: GridId = GridId(1);
const OTHER_GRID: GridId = GridId(2);
const DEPT: DepartmentId = DepartmentId(10);
const CO_DEPT: DepartmentId = DepartmentId(11);
const OTHER_DEPT: DepartmentId = DepartmentId(12);
const TF: TaskForceId = TaskForceId(20);
const LEADER: UserId = UserId(100);
const OFFICER: UserId = UserId(101);
const TRACKER: UserId = UserId(102);

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 10, 2, 0, 0).unwrap()
}

fn facts(id: i64, role: Role) -> UserFacts {
    UserFacts {
        id: UserId(id),
        role,
        department_id: None,
        grid_id: None,
        task_force_id: None,
        top_leader: false,
        service_centre: false,
        department_head: false,
    }
}

/// An actor of `role` whose scope includes the test ticket (own) or not (foreign).
fn actor(role: Role, own: bool) -> Actor {
    let mut user = facts(if own { 500 } else { 600 }, role);
    let mut linked_grids = vec![];
    match role {
        Role::Admin => {}
        Role::Dispatcher | Role::Liaison => {
            user.grid_id = Some(if own { GRID } else { OTHER_GRID })
        }
        Role::DepartmentOfficer => {
            user.department_id = Some(if own { DEPT } else { OTHER_DEPT });
            if own {
                user.id = OFFICER;
            }
        }
        Role::TaskForceMember => user.task_force_id = Some(if own { TF } else { TaskForceId(21) }),
        Role::Tracker => {
            if own {
                user.id = TRACKER;
            }
        }
        Role::Leader => linked_grids = vec![if own { GRID } else { OTHER_GRID }],
    }
    Actor { user, linked_grids }
}

fn ticket(status: Status) -> Ticket {
    let t0 = now();
    let dispatched = !matches!(status, Status::Submitted);
    let escalated_before = matches!(
        status,
        Status::Escalated | Status::Paused | Status::Resolved | Status::Reported | Status::Closed
    );
    Ticket {
        id: TicketId(1),
        number: "GL-2026-000001".into(),
        status,
        enterprise_id: EnterpriseId(1),
        grid_id: GRID,
        category: Category::Land,
        priority: Priority::Normal,
        title: "t".into(),
        description: "d".into(),
        filed_by: UserId(1),
        accountable_leader_id: dispatched.then_some(LEADER),
        department_id: dispatched.then_some(DEPT),
        responsible_person_id: dispatched.then_some(OFFICER),
        tracker_id: Some(TRACKER),
        task_force_id: escalated_before.then_some(TF),
        // A co-handling department that has given its opinion (see `co_handling` for one
        // that has not).
        co_handlers: if escalated_before {
            vec![ticket::CoHandler {
                department_id: CO_DEPT,
                asked_at: Some(t0),
                reply_due_at: Some(t0),
                replied_at: Some(t0),
                replied_by: Some(UserId(99)),
            }]
        } else {
            vec![]
        },
        queued_at: None,
        dispatch_due_at: None,
        response_due_at: dispatched.then_some(t0),
        resolution_due_at: dispatched.then_some(t0 + chrono::Duration::days(5)),
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
        // A paused ticket was paused while with the task force, with a day's time left.
        pause: (status == Status::Paused).then(|| {
            Box::new(ticket::Pause {
                from: Status::Escalated,
                paused_at: t0,
                resume_on: t0.date_naive(),
                remaining_secs: 9 * 3600,
            })
        }),
        forced_department: None,
        closure: None,
        duplicate_of: None,
        version: 3,
        created_at: t0,
        updated_at: t0,
    }
}

fn pending_pause() -> ticket::PendingPause {
    ticket::PendingPause {
        code: PauseCode::WaitingThirdParty,
        text: None,
        resume_on: now().date_naive() + chrono::Duration::days(7),
        requested_by: OFFICER,
        requested_at: now(),
    }
}

fn pending_extension() -> ticket::PendingExtension {
    ticket::PendingExtension {
        days: 3,
        reason: "r".into(),
        requested_by: OFFICER,
        requested_at: now(),
    }
}

fn command(action: ActionKind) -> Option<Command> {
    let mut person = facts(OFFICER.0, Role::DepartmentOfficer);
    person.department_id = Some(DEPT);
    Some(match action {
        ActionKind::Dispatch => Command::Dispatch(DispatchOrder {
            leader: facts(LEADER.0, Role::Leader),
            department_id: DEPT,
            person,
            tracker: Some(facts(TRACKER.0, Role::Tracker)),
            co_department_ids: vec![],
        }),
        ActionKind::Accept => Command::Accept,
        ActionKind::Return => Command::Return {
            reason: ReturnReason::parse(ticket::ReturnCode::WrongTerritory, None).unwrap(),
            arbitration_after: 2,
        },
        ActionKind::Escalate => Command::Escalate {
            task_force_id: TF,
            co_department_ids: vec![CO_DEPT],
            note: None,
        },
        ActionKind::AddCoDepartments => Command::AddCoDepartments(vec![OTHER_DEPT]),
        ActionKind::CoReply => Command::CoReply(Remark::parse("协办意见").unwrap()),
        ActionKind::RequestExtension => Command::RequestExtension {
            days: 3,
            reason: Remark::parse("需要更多时间").unwrap(),
        },
        ActionKind::DecideExtension => Command::DecideExtension {
            approve: true,
            note: None,
        },
        ActionKind::Resolve => Command::Resolve {
            resolution: Remark::parse("已解决").unwrap(),
            unanswered_reason: None,
        },
        ActionKind::Report => Command::Report {
            satisfaction: Satisfaction::Satisfied,
            feedback: None,
        },
        ActionKind::Urge => Command::Urge(None),
        ActionKind::Supervise => Command::Supervise(None),
        ActionKind::Comment => Command::Comment(Remark::parse("备注").unwrap()),
        ActionKind::Reassign => Command::Reassign {
            person: Some({
                let mut colleague = facts(OFFICER.0 + 50, Role::DepartmentOfficer);
                colleague.department_id = Some(DEPT);
                colleague
            }),
            tracker: None,
            reason: Remark::parse("原负责人调岗").unwrap(),
        },
        ActionKind::MarkDuplicate => Command::MarkDuplicate {
            of: ticket::DuplicateTarget {
                id: TicketId(2),
                number: "GL-2026-000002".into(),
                grid_id: GRID,
                closure: None,
            },
            note: None,
        },
        ActionKind::Withdraw => Command::Withdraw(Remark::parse("企业已自行解决").unwrap()),
        ActionKind::MarkInvalid => Command::MarkInvalid(Remark::parse("非企业诉求").unwrap()),
        ActionKind::RequestPause => Command::RequestPause {
            code: PauseCode::WaitingEnterprise,
            text: None,
            resume_on: now().date_naive() + chrono::Duration::days(7),
        },
        ActionKind::DecidePause => Command::DecidePause {
            approve: true,
            note: None,
        },
        ActionKind::Resume => Command::Resume(None),
        ActionKind::ForceDispatch => Command::ForceDispatch(DispatchOrder {
            leader: facts(LEADER.0, Role::Leader),
            department_id: DEPT,
            person: {
                let mut p = facts(OFFICER.0, Role::DepartmentOfficer);
                p.department_id = Some(DEPT);
                p
            },
            tracker: None,
            co_department_ids: vec![],
        }),
        ActionKind::FollowUp => Command::FollowUp(ticket::FollowUpCall {
            method: ticket::FollowUpMethod::Phone,
            contact: Remark::parse("企业负责人").unwrap(),
            satisfaction: Satisfaction::Satisfied,
            cause: None,
            feedback: None,
            objective_closes: true,
        }),
        ActionKind::CloseOutOfScope => {
            Command::CloseOutOfScope(Remark::parse("属市级事权").unwrap())
        }
        ActionKind::File | ActionKind::Close | ActionKind::Reopen => return None,
    })
}

/// The lifecycle as specified: (action, roles that may take it, states it is allowed from,
/// state it leads to; `None` = stays where it is).
fn spec(action: ActionKind) -> (&'static [Role], &'static [Status], Option<Status>) {
    use Role::*;
    use Status::*;
    const OPEN: &[Status] = &[Submitted, Dispatched, Accepted, Escalated];
    const OPEN_OR_PAUSED: &[Status] = &[Submitted, Dispatched, Accepted, Escalated, Paused];
    match action {
        ActionKind::Dispatch => (&[Dispatcher], &[Submitted], Some(Dispatched)),
        ActionKind::Accept => (&[DepartmentOfficer], &[Dispatched], Some(Accepted)),
        ActionKind::Return => (&[DepartmentOfficer], &[Dispatched], Some(Submitted)),
        ActionKind::Escalate => (&[DepartmentOfficer, Leader], &[Accepted], Some(Escalated)),
        ActionKind::AddCoDepartments => (&[TaskForceMember], &[Escalated], None),
        // Only an officer of a co-handling department whose opinion is awaited; none of the
        // matrix's actors is one (see `co_handling_replies` in digest.rs).
        ActionKind::CoReply => (&[], &[Dispatched, Accepted, Escalated, Paused], None),
        ActionKind::RequestExtension => (&[DepartmentOfficer], &[Accepted, Escalated], None),
        ActionKind::DecideExtension => (&[Leader], &[Accepted, Escalated], None),
        ActionKind::Resolve => (
            &[DepartmentOfficer, TaskForceMember],
            &[Accepted, Escalated],
            Some(Resolved),
        ),
        ActionKind::Report => (&[Liaison], &[Resolved], Some(Closed)),
        ActionKind::FollowUp => (&[Tracker], &[Resolved], Some(Closed)),
        ActionKind::Urge => (&[Tracker, Leader], OPEN, None),
        ActionKind::Supervise => (&[Leader], OPEN, None),
        ActionKind::Reassign => (
            &[DepartmentOfficer, Leader, Admin],
            &[Dispatched, Accepted, Escalated, Paused],
            None,
        ),
        ActionKind::MarkDuplicate | ActionKind::MarkInvalid => {
            (&[Dispatcher], &[Submitted], Some(Closed))
        }
        ActionKind::Withdraw => (&[Liaison], OPEN_OR_PAUSED, Some(Closed)),
        ActionKind::RequestPause => (&[DepartmentOfficer], &[Accepted, Escalated], None),
        // Only the service centre's dispatchers arbitrate; none of the matrix's actors is one
        // (see `arbitration_ends_every_ping_pong`).
        ActionKind::ForceDispatch | ActionKind::CloseOutOfScope => (&[], &[Arbitration], None),
        ActionKind::DecidePause => (&[Leader, Dispatcher], &[Accepted, Escalated], Some(Paused)),
        // Back to where it was paused from: the fixture's paused ticket was with a task force.
        ActionKind::Resume => (
            &[DepartmentOfficer, Leader, Dispatcher],
            &[Paused],
            Some(Escalated),
        ),
        ActionKind::Comment => (
            &Role::ALL,
            &[
                Submitted,
                Arbitration,
                Dispatched,
                Accepted,
                Escalated,
                Paused,
                Resolved,
                Reported,
                Closed,
            ],
            None,
        ),
        _ => (&[], &[], None),
    }
}

/// Roles whose own-scope actor still sees the ticket in `status` (for the matrix fixture).
fn sees(role: Role, status: Status) -> bool {
    match role {
        Role::TaskForceMember => !matches!(
            status,
            Status::Submitted | Status::Arbitration | Status::Dispatched | Status::Accepted
        ),
        Role::DepartmentOfficer => status != Status::Submitted,
        _ => true,
    }
}

#[test]
fn every_state_action_and_role() {
    let calendar = WorkCalendar::new(vec![], WorkingHours::default()).unwrap();
    let sla = SlaTargets {
        dispatch_hours: 4,
        response_hours: 8,
        resolution_days: 5,
        co_reply_hours: 16,
    };
    let mut checked = 0;
    for &status in Status::ALL {
        for &action in ActionKind::ALL {
            let Some(cmd) = command(action) else { continue };
            let (roles, from, to) = spec(action);
            assert_eq!(allowed_from(action), from, "{action}: states");
            for role in Role::ALL {
                let mut t = ticket(status);
                if action == ActionKind::DecideExtension {
                    t.pending_extension = Some(Box::new(pending_extension()));
                }
                if action == ActionKind::DecidePause {
                    t.pending_pause = Some(Box::new(pending_pause()));
                }
                let ctx = Context {
                    now: now(),
                    calendar: &calendar,
                    sla,
                    expected_version: t.version,
                };
                // Foreign scope: never visible, except to those who see the whole zone.
                let foreign = execute(&t, &actor(role, false), &cmd, &ctx);
                if role == Role::Admin {
                    assert!(!matches!(foreign, Err(DomainError::NotVisible)));
                } else {
                    assert_eq!(
                        foreign.unwrap_err(),
                        DomainError::NotVisible,
                        "{role} foreign {action} {status}"
                    );
                }

                let own = execute(&t, &actor(role, true), &cmd, &ctx);
                let expected_ok = roles.contains(&role) && from.contains(&status);
                let label = format!("{role} {action} on {status}");
                if !sees(role, status) {
                    assert_eq!(own.unwrap_err(), DomainError::NotVisible, "{label}");
                } else if !roles.contains(&role) {
                    assert_eq!(
                        own.unwrap_err(),
                        DomainError::Forbidden { action },
                        "{label}"
                    );
                } else if !from.contains(&status) {
                    assert_eq!(
                        own.unwrap_err(),
                        DomainError::InvalidTransition { action, status },
                        "{label}"
                    );
                } else if role == Role::DepartmentOfficer
                    && action == ActionKind::Resolve
                    && status == Status::Escalated
                {
                    assert_eq!(
                        own.unwrap_err(),
                        DomainError::Forbidden { action },
                        "{label}"
                    );
                } else {
                    assert!(expected_ok);
                    let (next, events) = own.unwrap_or_else(|e| panic!("{label}: {e:?}"));
                    assert_eq!(next.status, to.unwrap_or(status), "{label}");
                    assert_eq!(next.version, t.version + 1, "{label}");
                    assert!(!events.is_empty());
                    assert_eq!(events[0].from, status);
                    assert_eq!(events.last().unwrap().to, next.status);
                    // Stale version is refused whatever else holds.
                    let stale = Context {
                        expected_version: t.version - 1,
                        ..ctx
                    };
                    assert!(matches!(
                        execute(&t, &actor(role, true), &cmd, &stale),
                        Err(DomainError::StaleVersion {
                            expected: 2,
                            actual: 3
                        })
                    ));
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 9 * 23 * 7);
}

#[test]
fn co_handling_department_sees_but_may_not_sign_or_resolve() {
    let calendar = WorkCalendar::new(vec![], WorkingHours::default()).unwrap();
    let t = ticket(Status::Escalated);
    let mut co = actor(Role::DepartmentOfficer, true);
    co.user.id = UserId(777);
    co.user.department_id = Some(CO_DEPT);
    let ctx = Context {
        now: now(),
        calendar: &calendar,
        sla: SlaTargets {
            dispatch_hours: 4,
            response_hours: 8,
            resolution_days: 5,
            co_reply_hours: 16,
        },
        expected_version: t.version,
    };
    let comment = Command::Comment(Remark::parse("协办意见").unwrap());
    assert!(execute(&t, &co, &comment, &ctx).is_ok());
    let resolve = Command::Resolve {
        resolution: Remark::parse("x").unwrap(),
        unanswered_reason: None,
    };
    assert_eq!(
        execute(&t, &co, &resolve, &ctx).unwrap_err(),
        DomainError::Forbidden {
            action: ActionKind::Resolve
        }
    );
}

#[test]
fn unsatisfied_report_reopens_and_counts() {
    let calendar = WorkCalendar::new(vec![], WorkingHours::default()).unwrap();
    let t = ticket(Status::Resolved);
    let ctx = Context {
        now: now(),
        calendar: &calendar,
        sla: SlaTargets {
            dispatch_hours: 4,
            response_hours: 8,
            resolution_days: 5,
            co_reply_hours: 16,
        },
        expected_version: t.version,
    };
    let cmd = Command::Report {
        satisfaction: Satisfaction::Unsatisfied,
        feedback: Some(Remark::parse("问题依旧").unwrap()),
    };
    let (next, events) = execute(&t, &actor(Role::Liaison, true), &cmd, &ctx).unwrap();
    assert_eq!(next.status, Status::Accepted);
    assert_eq!(next.reopen_count, 1);
    assert_eq!(next.satisfaction, Some(Satisfaction::Unsatisfied));
    let actions: Vec<_> = events.iter().map(|e| e.kind.action()).collect();
    assert_eq!(actions, [ActionKind::Report, ActionKind::Reopen]);
    assert!(next.resolution_due_at.unwrap() > now());
}

#[test]
fn return_clears_the_three_ones_and_records_them() {
    let calendar = WorkCalendar::new(vec![], WorkingHours::default()).unwrap();
    let t = ticket(Status::Dispatched);
    let ctx = Context {
        now: now(),
        calendar: &calendar,
        sla: SlaTargets {
            dispatch_hours: 4,
            response_hours: 8,
            resolution_days: 5,
            co_reply_hours: 16,
        },
        expected_version: t.version,
    };
    let other = ReturnReason::parse(ticket::ReturnCode::Other, None);
    assert!(matches!(
        other,
        Err(DomainError::Invalid {
            code: "required",
            ..
        })
    ));
    let reason = ReturnReason::parse(ticket::ReturnCode::Other, Some("属于市级事权")).unwrap();
    let (next, events) = execute(
        &t,
        &actor(Role::DepartmentOfficer, true),
        &Command::Return {
            reason,
            arbitration_after: 2,
        },
        &ctx,
    )
    .unwrap();
    assert_eq!(next.status, Status::Submitted);
    assert_eq!(next.department_id, None);
    assert_eq!(next.return_count, 1);
    let EventKind::Returned { previous, .. } = &events[0].kind else {
        panic!()
    };
    assert_eq!(previous.department_id, DEPT);
}

#[test]
fn extension_approval_moves_the_deadline_and_refusal_does_not() {
    let calendar = WorkCalendar::new(vec![], WorkingHours::default()).unwrap();
    let mut t = ticket(Status::Accepted);
    let due = Utc.with_ymd_and_hms(2026, 3, 13, 10, 0, 0).unwrap(); // Fri 18:00 +08
    t.resolution_due_at = Some(due);
    let officer = actor(Role::DepartmentOfficer, true);
    let leader = actor(Role::Leader, true);
    let mk = |v| Context {
        now: now(),
        calendar: &calendar,
        sla: SlaTargets {
            dispatch_hours: 4,
            response_hours: 8,
            resolution_days: 5,
            co_reply_hours: 16,
        },
        expected_version: v,
    };
    let req = Command::RequestExtension {
        days: 2,
        reason: Remark::parse("等待审批").unwrap(),
    };
    let (t1, _) = execute(&t, &officer, &req, &mk(t.version)).unwrap();
    assert!(matches!(
        execute(&t1, &officer, &req, &mk(t1.version)),
        Err(DomainError::Invalid {
            code: "extension_pending",
            ..
        })
    ));
    let refuse = Command::DecideExtension {
        approve: false,
        note: None,
    };
    let (t2, _) = execute(&t1, &leader, &refuse, &mk(t1.version)).unwrap();
    assert_eq!(t2.resolution_due_at, Some(due));
    assert!(t2.pending_extension.is_none());
    let (t3, _) = execute(&t2, &officer, &req, &mk(t2.version)).unwrap();
    let approve = Command::DecideExtension {
        approve: true,
        note: None,
    };
    let (t4, _) = execute(&t3, &leader, &approve, &mk(t3.version)).unwrap();
    // Friday + 2 working days = Tuesday close of business.
    assert_eq!(
        t4.resolution_due_at,
        Some(Utc.with_ymd_and_hms(2026, 3, 17, 10, 0, 0).unwrap())
    );
}

/// A ticket the task force resolved and the enterprise sent back (重办) is `accepted` again and
/// the department's: the task force still sees it (it keeps `task_force_id`) and may comment,
/// but not resolve it; the responsible department resolves. The matrix above never builds
/// this case (its task force sees nothing before escalation).
#[test]
fn reopened_after_escalation_is_the_departments_again() {
    use gridline_domain::ticket::available_actions;
    let calendar = WorkCalendar::new(vec![], WorkingHours::default()).unwrap();
    let mut t = ticket(Status::Accepted);
    t.task_force_id = Some(TF);
    t.reopen_count = 1;
    let ctx = Context {
        now: now(),
        calendar: &calendar,
        sla: SlaTargets {
            dispatch_hours: 4,
            response_hours: 8,
            resolution_days: 5,
            co_reply_hours: 16,
        },
        expected_version: t.version,
    };
    let tf = actor(Role::TaskForceMember, true);
    let resolve = Command::Resolve {
        resolution: Remark::parse("再次办结").unwrap(),
        unanswered_reason: None,
    };
    assert_eq!(
        execute(&t, &tf, &resolve, &ctx).unwrap_err(),
        DomainError::Forbidden {
            action: ActionKind::Resolve
        }
    );
    let shown = available_actions(&t, &tf);
    assert!(!shown.contains(&ActionKind::Resolve), "{shown:?}");
    assert!(shown.contains(&ActionKind::Comment), "{shown:?}");
    let comment = Command::Comment(Remark::parse("专班意见").unwrap());
    assert!(execute(&t, &tf, &comment, &ctx).is_ok());
    let officer = actor(Role::DepartmentOfficer, true);
    assert!(available_actions(&t, &officer).contains(&ActionKind::Resolve));
    let (next, _) = execute(&t, &officer, &resolve, &ctx).unwrap();
    assert_eq!(next.status, Status::Resolved);
}

#[test]
fn event_payload_round_trips() {
    let kind = EventKind::Escalated {
        task_force_id: TF,
        co_department_ids: vec![CO_DEPT],
        co_reply_due_at: Some(now()),
        note: Some("<script>".into()),
    };
    let back = EventKind::from_parts("escalate", &kind.payload()).unwrap();
    assert_eq!(back, kind);
}

/// The buttons the pages show ([`available_actions`]) are exactly the actions `execute`
/// accepts with a valid command, for every state, role and extension situation.
#[test]
fn available_actions_agree_with_execute() {
    use gridline_domain::ticket::available_actions;
    let calendar = WorkCalendar::new(vec![], WorkingHours::default()).unwrap();
    let sla = SlaTargets {
        dispatch_hours: 4,
        response_hours: 8,
        resolution_days: 5,
        co_reply_hours: 16,
    };
    let mut checked = 0;
    for &status in Status::ALL {
        for pending in [false, true] {
            let mut t = ticket(status);
            if pending {
                t.pending_extension = Some(Box::new(pending_extension()));
            }
            let ctx = Context {
                now: now(),
                calendar: &calendar,
                sla,
                expected_version: t.version,
            };
            for role in Role::ALL {
                for own in [true, false] {
                    let a = actor(role, own);
                    let shown = available_actions(&t, &a);
                    for &action in ActionKind::ALL {
                        let Some(cmd) = command(action) else {
                            assert!(!shown.contains(&action));
                            continue;
                        };
                        let ok = execute(&t, &a, &cmd, &ctx).is_ok();
                        assert_eq!(
                            shown.contains(&action),
                            ok,
                            "{role} own={own} {action} on {status} pending={pending}"
                        );
                        checked += 1;
                    }
                }
            }
        }
    }
    assert_eq!(checked, 9 * 2 * 7 * 2 * 23);
}

#[test]
fn a_duplicate_points_to_an_original_of_its_grid() {
    let calendar = WorkCalendar::new(vec![], WorkingHours::default()).unwrap();
    let t = ticket(Status::Submitted);
    let ctx = Context {
        now: now(),
        calendar: &calendar,
        sla: SlaTargets {
            dispatch_hours: 4,
            response_hours: 8,
            resolution_days: 5,
            co_reply_hours: 16,
        },
        expected_version: t.version,
    };
    let target = |id, grid_id, closure| Command::MarkDuplicate {
        of: ticket::DuplicateTarget {
            id: TicketId(id),
            number: format!("GL-2026-{id:06}"),
            grid_id,
            closure,
        },
        note: None,
    };
    let code = |r: Result<(Ticket, Vec<Event>), DomainError>| match r.unwrap_err() {
        DomainError::Invalid { code, .. } => code,
        e => panic!("{e:?}"),
    };
    let grid_head = actor(Role::Dispatcher, true);
    assert_eq!(
        code(execute(&t, &grid_head, &target(1, GRID, None), &ctx)),
        "same_ticket"
    );
    assert_eq!(
        code(execute(
            &t,
            &grid_head,
            &target(2, GRID, Some(Closure::Duplicate)),
            &ctx
        )),
        "not_an_original"
    );
    assert_eq!(
        code(execute(&t, &grid_head, &target(2, OTHER_GRID, None), &ctx)),
        "other_grid"
    );
    // The service centre marks across grids.
    let mut centre = actor(Role::Dispatcher, true);
    centre.user.service_centre = true;
    let (next, events) = execute(&t, &centre, &target(2, OTHER_GRID, None), &ctx).unwrap();
    assert_eq!(next.status, Status::Closed);
    assert_eq!(next.closure, Some(Closure::Duplicate));
    assert_eq!(next.duplicate_of, Some(TicketId(2)));
    assert_eq!(next.closed_at, Some(now()));
    assert!(!next.counts_for_departments());
    assert_eq!(next.next_due_at(), None);
    assert_eq!(events.len(), 1);
}

#[test]
fn possible_duplicates_are_recent_same_enterprise_or_alike() {
    use gridline_domain::ticket::{Candidate, possible_duplicates};
    let mut same_enterprise = ticket(Status::Accepted);
    same_enterprise.id = TicketId(2);
    same_enterprise.title = "招工难".into();
    same_enterprise.category = Category::Hiring;
    let mut alike = ticket(Status::Submitted);
    alike.id = TicketId(3);
    alike.enterprise_id = EnterpriseId(9);
    alike.title = "厂房用地指标不足".into();
    let mut other_category = alike.clone();
    other_category.id = TicketId(4);
    other_category.category = Category::Finance;
    let mut old = alike.clone();
    old.id = TicketId(5);
    old.created_at = now() - chrono::Duration::days(31);
    let mut ended = alike.clone();
    ended.id = TicketId(6);
    ended.closure = Some(Closure::Invalid);
    let mut unlike = alike.clone();
    unlike.id = TicketId(7);
    unlike.title = "融资渠道少".into();
    let c = Candidate {
        id: Some(TicketId(1)),
        enterprise_id: EnterpriseId(1),
        grid_id: GRID,
        category: Some(Category::Land),
        title: "用地指标不足",
    };
    let all = [
        ticket(Status::Submitted),
        same_enterprise,
        alike,
        other_category,
        old,
        ended,
        unlike,
    ];
    let got: Vec<i64> = possible_duplicates(&c, &all, now())
        .iter()
        .map(|s| s.ticket_id.0)
        .collect();
    assert_eq!(
        got,
        [3, 2],
        "the alike title first, then the same enterprise"
    );
}

/// 挂起 end to end in the rules: asked, approved (the clock stops with what it had left),
/// resumed a week later (the clock runs again with exactly that), the reminder on the
/// expected day; refused when overdue, out of range or "other" without a text.
#[test]
fn a_pause_stops_and_resumes_the_clock() {
    use gridline_domain::notice::{NoticeKind, NoticePolicy, deadline_notices};
    let calendar = WorkCalendar::new(vec![], WorkingHours::default()).unwrap();
    let sla = SlaTargets {
        dispatch_hours: 4,
        response_hours: 8,
        resolution_days: 5,
        co_reply_hours: 16,
    };
    let ctx = |now, version| Context {
        now,
        calendar: &calendar,
        sla,
        expected_version: version,
    };
    let mut t = ticket(Status::Accepted);
    t.resolution_due_at = Some(calendar.resolution_due(now(), 3));
    let officer = actor(Role::DepartmentOfficer, true);
    let dispatcher = actor(Role::Dispatcher, true);
    let ask = |code, text: Option<&str>, days| Command::RequestPause {
        code,
        text: text.map(|s| Remark::parse(s).unwrap()),
        resume_on: now().date_naive() + chrono::Duration::days(days),
    };
    let code = |r: Result<(Ticket, Vec<Event>), DomainError>| match r.unwrap_err() {
        DomainError::Invalid { code, .. } => code,
        e => panic!("{e:?}"),
    };
    assert_eq!(
        code(execute(
            &t,
            &officer,
            &ask(PauseCode::Other, None, 7),
            &ctx(now(), 3)
        )),
        "required"
    );
    assert_eq!(
        code(execute(
            &t,
            &officer,
            &ask(PauseCode::WaitingEnterprise, None, 91),
            &ctx(now(), 3)
        )),
        "out_of_range"
    );
    assert_eq!(
        code(execute(
            &t,
            &officer,
            &ask(PauseCode::WaitingEnterprise, None, -1),
            &ctx(now(), 3)
        )),
        "out_of_range"
    );
    let late = t.resolution_due_at.unwrap() + chrono::Duration::minutes(1);
    assert_eq!(
        code(execute(
            &t,
            &officer,
            &ask(PauseCode::WaitingEnterprise, None, 7),
            &ctx(late, 3)
        )),
        "overdue"
    );
    let (asked, _) = execute(
        &t,
        &officer,
        &ask(PauseCode::WaitingThirdParty, Some("等待供电局出具方案"), 7),
        &ctx(now(), 3),
    )
    .unwrap();
    assert!(asked.pending_pause.is_some());
    let left = calendar.working_time_between(now(), t.resolution_due_at.unwrap());
    let approve = Command::DecidePause {
        approve: true,
        note: None,
    };
    let (paused, _) = execute(&asked, &dispatcher, &approve, &ctx(now(), 4)).unwrap();
    assert_eq!(paused.status, Status::Paused);
    assert_eq!(paused.next_due_at(), None, "the clock is stopped");
    assert!(!paused.is_overdue(late + chrono::Duration::days(30)));
    // Nor overdue in a digest of a period that ends after the old deadline.
    let later = gridline_domain::digest::Period::Month {
        year: 2026,
        month: 5,
    };
    assert!(later.range().1 > late);
    let stats =
        gridline_domain::digest::compute(later, std::slice::from_ref(&paused), &[], &calendar);
    assert_eq!(stats.overdue_at_end, 0);
    let mut unpaused = paused.clone();
    unpaused.pause = None;
    unpaused.status = Status::Accepted;
    unpaused.accepted_at = Some(now());
    let stats =
        gridline_domain::digest::compute(later, std::slice::from_ref(&unpaused), &[], &calendar);
    assert_eq!(
        stats.overdue_at_end, 1,
        "the same ticket unpaused is overdue"
    );
    let pause = paused.pause.clone().unwrap();
    assert_eq!(pause.remaining_secs, left.num_seconds());
    assert_eq!(pause.from, Status::Accepted);
    // The reminder on the morning of the expected day, once.
    let policy = NoticePolicy {
        warn_share: 0.75,
        supervise_after_days: 2,
    };
    let morning = gridline_domain::notice::resume_instant(&pause);
    assert!(
        deadline_notices(
            &paused,
            morning - chrono::Duration::minutes(1),
            &calendar,
            &policy
        )
        .is_empty()
    );
    let n = deadline_notices(&paused, morning, &calendar, &policy);
    assert_eq!(n.len(), 1);
    assert_eq!(n[0].kind, NoticeKind::PauseReminder);
    assert!(n[0].still_due(&paused).is_ok());
    // Resumed a week later: the same working time left, from now.
    let resumed_at = now() + chrono::Duration::days(7);
    let (resumed, events) = execute(
        &paused,
        &officer,
        &Command::Resume(None),
        &ctx(resumed_at, 5),
    )
    .unwrap();
    assert_eq!(resumed.status, Status::Accepted);
    assert!(resumed.pause.is_none());
    let due = resumed.resolution_due_at.unwrap();
    assert_eq!(calendar.working_time_between(resumed_at, due), left);
    assert!(
        n[0].still_due(&resumed).is_err(),
        "no reminder once resumed"
    );
    let EventKind::Resumed { paused_secs, .. } = &events[0].kind else {
        panic!("{events:?}")
    };
    assert_eq!(
        *paused_secs,
        calendar
            .working_time_between(now(), resumed_at)
            .num_seconds()
    );
    // A refusal leaves the clock running.
    let refuse = Command::DecidePause {
        approve: false,
        note: None,
    };
    let (refused, _) = execute(&asked, &dispatcher, &refuse, &ctx(now(), 4)).unwrap();
    assert_eq!(refused.status, Status::Accepted);
    assert!(refused.pending_pause.is_none() && refused.pause.is_none());
}

proptest::proptest! {
    /// Arbitration ends every ping-pong (退单审核): whatever departments are chosen and
    /// however stubbornly each returns what it gets, a ticket is returned at most
    /// `arbitration_after` times; then the service centre forces a department (which may not
    /// return it) or closes it.
    #[test]
    fn arbitration_ends_every_ping_pong(
        after in 1u32..5,
        picks in proptest::collection::vec(0usize..3, 1..40),
        close in proptest::bool::ANY,
    ) {
        let calendar = WorkCalendar::new(vec![], WorkingHours::default()).unwrap();
        let sla = SlaTargets { dispatch_hours: 4, response_hours: 8, resolution_days: 5, co_reply_hours: 16 };
        let departments = [DEPT, CO_DEPT, OTHER_DEPT];
        let mut t = ticket(Status::Submitted);
        t.accountable_leader_id = None;
        t.department_id = None;
        t.responsible_person_id = None;
        let head = actor(Role::Dispatcher, true);
        let mut centre = actor(Role::Dispatcher, true);
        centre.user.service_centre = true;
        let order = |d: DepartmentId| {
            let mut person = facts(OFFICER.0, Role::DepartmentOfficer);
            person.department_id = Some(d);
            DispatchOrder { leader: facts(LEADER.0, Role::Leader), department_id: d, person, tracker: None, co_department_ids: vec![] }
        };
        for pick in picks {
            let d = departments[pick];
            let ctx = Context { now: now(), calendar: &calendar, sla, expected_version: t.version };
            let (who, cmd) = match t.status {
                Status::Submitted => (head.clone(), Command::Dispatch(order(d))),
                Status::Arbitration if close => {
                    (centre.clone(), Command::CloseOutOfScope(Remark::parse("属市级事权").unwrap()))
                }
                Status::Arbitration => (centre.clone(), Command::ForceDispatch(order(d))),
                Status::Dispatched => {
                    let mut officer = actor(Role::DepartmentOfficer, true);
                    officer.user.department_id = t.department_id;
                    let ret = Command::Return {
                        reason: ReturnReason::parse(ticket::ReturnCode::WrongTerritory, None).unwrap(),
                        arbitration_after: after,
                    };
                    (officer, ret)
                }
                _ => break,
            };
            match execute(&t, &who, &cmd, &ctx) {
                Ok((next, _)) => t = next,
                Err(DomainError::Invalid { code: "forced", .. }) => break,
                Err(e) => proptest::prop_assert!(false, "{e:?} on {:?}", t.status),
            }
            proptest::prop_assert!(t.return_count <= after as i32);
        }
        // Where it can stop: still being routed, forced on a department, or closed.
        if t.return_count == after as i32 {
            proptest::prop_assert!(matches!(t.status, Status::Arbitration | Status::Dispatched | Status::Closed));
            if t.status == Status::Dispatched {
                proptest::prop_assert_eq!(t.forced_department, t.department_id);
            }
        }
    }
}

/// 回访: only dissatisfaction with a subjective cause reopens; an objective one closes as
/// explained (or reopens when configured so); unsatisfied needs a cause.
#[test]
fn a_follow_up_call_reopens_only_for_a_subjective_cause() {
    use ticket::{DissatisfactionCause as Cause, FollowUpCall, FollowUpMethod};
    let calendar = WorkCalendar::new(vec![], WorkingHours::default()).unwrap();
    let t = ticket(Status::Resolved);
    let ctx = Context {
        now: now(),
        calendar: &calendar,
        sla: SlaTargets {
            dispatch_hours: 4,
            response_hours: 8,
            resolution_days: 5,
            co_reply_hours: 16,
        },
        expected_version: t.version,
    };
    let tracker = actor(Role::Tracker, true);
    let call = |satisfaction, cause, objective_closes| {
        Command::FollowUp(FollowUpCall {
            method: FollowUpMethod::Phone,
            contact: Remark::parse("企业负责人").unwrap(),
            satisfaction,
            cause,
            feedback: None,
            objective_closes,
        })
    };
    let unsatisfied = Satisfaction::Unsatisfied;
    assert!(matches!(
        execute(&t, &tracker, &call(unsatisfied, None, true), &ctx),
        Err(DomainError::Invalid {
            code: "required",
            ..
        })
    ));
    let (reopened, _) = execute(
        &t,
        &tracker,
        &call(unsatisfied, Some(Cause::Subjective), true),
        &ctx,
    )
    .unwrap();
    assert_eq!(
        (reopened.status, reopened.reopen_count),
        (Status::Accepted, 1)
    );
    let (explained, events) = execute(
        &t,
        &tracker,
        &call(unsatisfied, Some(Cause::Objective), true),
        &ctx,
    )
    .unwrap();
    assert_eq!(explained.status, Status::Closed);
    assert_eq!(explained.satisfaction, Some(unsatisfied));
    assert!(matches!(
        events[0].kind,
        EventKind::FollowedUp {
            explained: true,
            ..
        }
    ));
    let (strict, _) = execute(
        &t,
        &tracker,
        &call(unsatisfied, Some(Cause::Objective), false),
        &ctx,
    )
    .unwrap();
    assert_eq!(strict.status, Status::Accepted, "configured to reopen");
    let mut centre = actor(Role::Dispatcher, true);
    centre.user.service_centre = true;
    let (closed, _) = execute(
        &t,
        &centre,
        &call(Satisfaction::Satisfied, None, true),
        &ctx,
    )
    .unwrap();
    assert_eq!(closed.status, Status::Closed);
    assert!(matches!(
        execute(
            &t,
            &actor(Role::Dispatcher, true),
            &call(Satisfaction::Satisfied, None, true),
            &ctx
        ),
        Err(DomainError::Forbidden { .. })
    ));
}
