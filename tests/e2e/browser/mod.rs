//! Pages in a real browser: Debian's Chromium driven over WebDriver (chromedriver), against
//! the real binary. Screenshots of every main page at phone and desktop width land in
//! `target/screenshots/` for a reviewer to look at.

mod admin;
mod bulletin;
mod handling;
mod harness;
mod pages;
mod service;
