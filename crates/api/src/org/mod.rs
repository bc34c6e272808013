//! The organisation: users, departments, task forces, grids (with the five-ones) and
//! enterprises. Reads are open to every signed-in user; writes are admin-only.

pub mod departments;
pub mod enterprises;
pub mod grids;
pub mod register;
pub mod task_forces;
pub mod users;
