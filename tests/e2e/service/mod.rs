//! The service half of the office's work (issue 12): visits.

mod policies;
mod projects;
mod visits;
