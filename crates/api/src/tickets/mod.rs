//! Tickets: file, list, read, history, and the actions of the closed loop.

pub mod actions;
pub mod attachments;
pub mod create;
pub mod dto;
pub mod evidence;
pub mod get;
pub mod list;
pub mod related;
