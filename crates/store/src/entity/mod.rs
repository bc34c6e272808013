//! sea-orm entities, one per table. Timestamps are epoch milliseconds (see the migrations).

pub mod attachments;
pub mod audit_log;
pub mod bulletins;
pub mod chat_webhooks;
pub mod departments;
pub mod enterprises;
pub mod grid_seats;
pub mod grid_team;
pub mod grids;
pub mod outbox;
pub mod policies;
pub mod policy_deliveries;
pub mod project_events;
pub mod project_milestones;
pub mod project_tickets;
pub mod projects;
pub mod staged_imports;
pub mod task_forces;
pub mod ticket_co_departments;
pub mod ticket_events;
pub mod tickets;
pub mod users;
pub mod visit_photos;
pub mod visit_tickets;
pub mod visits;
