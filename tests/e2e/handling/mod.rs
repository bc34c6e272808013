//! Handling as a 12345 centre runs it (issue 13): cases that end without the whole loop.

mod arbitration;
mod closures;
mod co_handling;
mod dispatch;
mod evidence;
mod follow_up;
mod pause;
