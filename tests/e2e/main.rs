//! End-to-end suites: each test starts the real `gridline` binary on its own database,
//! SQLite and PostgreSQL alike, and talks to it over HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod appraisal;
mod authz;
mod browser;
mod chat;
mod cli;
mod closed_loop;
mod concurrency;
mod deploy;
mod handling;
mod handover;
mod input;
mod lists;
mod mail;
mod pages_http;
mod people;
mod register;
mod reliability;
mod security;
mod service;
mod structure;
mod support;
mod workload;
mod world;
