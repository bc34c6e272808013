//! Group commit for filings. Filings that arrive while a batch is being written wait, and
//! the next batch writes them together: one transaction, one statement for their numbers,
//! one for their rows, one for their first events and one for those events' outbox rows,
//! whatever their number. On SQLite every statement is handed to the writer's thread and
//! every commit writes the pages it touched to the log, so at 32 concurrent filings one
//! transaction each spent most of its time on hand-offs and on the same index pages
//! written again and again.
//!
//! A batch is all or nothing. When any part of it fails (an idempotency key taken by a
//! retry in the same batch, an enterprise deleted meanwhile, the disk full), it is rolled
//! back and each of its filings is written again alone, in its own transaction, so each
//! gets exactly the answer it would have had without the others. Filings with attachments
//! or a key project are written alone from the start (their extra rows are rare and large).
//!
//! The batch runs on a task of its own, not on a request's: a client that hangs up does
//! not cancel the filings of the others waiting with it.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::Datelike as _;
use gridline_domain::calendar::ZONE;
use gridline_domain::ticket::NewTicket;
use gridline_domain::{Event, GridId, Ticket};
use sea_orm::{EntityTrait, TransactionTrait};
use tokio::sync::oneshot;

use super::Idempotency;
use super::create::new_row;
use super::mapping::to_ticket;
use crate::entity::tickets;
use crate::{Store, StoreError};

/// The most filings one transaction writes (each row is about forty bound values).
const MOST: usize = 64;

/// One filing waiting for its batch.
pub(crate) struct Job {
    new: NewTicket,
    grid: GridId,
    filed: Event,
    idem: Option<Idempotency>,
    reply: oneshot::Sender<Result<Ticket, StoreError>>,
}

/// The filings waiting, and whether a task is writing batches now.
#[derive(Default)]
pub(crate) struct Filings {
    queue: Mutex<Queue>,
    /// Batches written, and filings in them (tests and the metrics read them).
    batches: std::sync::atomic::AtomicU64,
    batched: std::sync::atomic::AtomicU64,
}

#[derive(Default)]
struct Queue {
    waiting: Vec<Job>,
    running: bool,
}

impl std::fmt::Debug for Filings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Filings").finish_non_exhaustive()
    }
}

impl Filings {
    fn queue(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Clears `running` if the batch task ends without emptying the queue (its runtime shut
/// down, before or after the task first ran, or it panicked): the filings still waiting
/// are answered with an error by dropping them, and the next filing starts a task again.
/// Made before the task is spawned, so a task dropped unpolled drops it too.
struct Stopped {
    filings: Arc<Filings>,
    armed: bool,
}

impl Drop for Stopped {
    fn drop(&mut self) {
        if self.armed {
            let mut q = self.filings.queue();
            q.running = false;
            q.waiting.clear();
        }
    }
}

impl Store {
    /// Files a ticket without attachments or project, in the next batch.
    pub(super) async fn file_in_batch(
        &self,
        new: NewTicket,
        grid: GridId,
        filed: Event,
        idem: Option<Idempotency>,
    ) -> Result<Ticket, StoreError> {
        let (reply, answer) = oneshot::channel();
        let start = {
            let mut q = self.filings.queue();
            q.waiting.push(Job {
                new,
                grid,
                filed,
                idem,
                reply,
            });
            !std::mem::replace(&mut q.running, true)
        };
        if start {
            let stopped = Stopped {
                filings: Arc::clone(&self.filings),
                armed: true,
            };
            tokio::spawn(self.clone().write_batches(stopped));
        }
        answer.await.map_err(|_| {
            StoreError::Db(sea_orm::DbErr::Custom(
                "the filing batch stopped before writing".into(),
            ))
        })?
    }

    /// Batches filings in the order they came in, until none waits.
    async fn write_batches(self, mut stopped: Stopped) {
        loop {
            let batch: Vec<Job> = {
                let mut q = self.filings.queue();
                if q.waiting.is_empty() {
                    q.running = false;
                    break;
                }
                let n = q.waiting.len().min(MOST);
                q.waiting.drain(..n).collect()
            };
            self.write_batch(batch).await;
        }
        stopped.armed = false;
    }

    async fn write_batch(&self, batch: Vec<Job>) {
        if batch.len() > 1 {
            match self.insert_batch(&batch).await {
                Ok(tickets) => {
                    use std::sync::atomic::Ordering::Relaxed;
                    self.filings.batches.fetch_add(1, Relaxed);
                    self.filings.batched.fetch_add(batch.len() as u64, Relaxed);
                    for (job, ticket) in batch.into_iter().zip(tickets) {
                        let _ = job.reply.send(Ok(ticket));
                    }
                    return;
                }
                Err(e) => {
                    tracing::debug!(error = %e, filings = batch.len(),
                        "a batch of filings failed; writing each alone");
                }
            }
        }
        for job in batch {
            let alone = self
                .insert_ticket(&job.new, job.grid, &job.filed, job.idem.as_ref(), &[], None)
                .await;
            let _ = job.reply.send(alone);
        }
    }

    /// Writes a batch in one transaction; the tickets in the batch's order.
    async fn insert_batch(&self, batch: &[Job]) -> Result<Vec<Ticket>, StoreError> {
        let txn = self.write.begin().await?;
        // Numbers in the order the filings came, per year (a batch may straddle New Year).
        let mut years: BTreeMap<i32, Vec<usize>> = BTreeMap::new();
        for (i, job) in batch.iter().enumerate() {
            let year = job.filed.at.with_timezone(&ZONE).year();
            years.entry(year).or_default().push(i);
        }
        let mut numbers = vec![String::new(); batch.len()];
        for (year, which) in years {
            let taken = super::numbers::next_numbers(&txn, year, which.len()).await?;
            for (i, number) in which.into_iter().zip(taken) {
                numbers[i] = number;
            }
        }
        let rows = batch
            .iter()
            .zip(&numbers)
            .map(|(j, n)| new_row(&j.new, j.grid, &j.filed, j.idem.as_ref(), n.clone()));
        let mut by_number: BTreeMap<String, tickets::Model> = tickets::Entity::insert_many(rows)
            .exec_with_returning(&txn)
            .await?
            .into_iter()
            .map(|m| (m.number.clone(), m))
            .collect();
        let tickets = numbers
            .iter()
            .map(|n| {
                let row = by_number
                    .remove(n)
                    .ok_or_else(|| StoreError::Corrupt(format!("ticket {n} not returned")))?;
                to_ticket(row, vec![])
            })
            .collect::<Result<Vec<Ticket>, StoreError>>()?;
        super::search::index_in(&txn, &tickets).await?;
        let firsts: Vec<_> = tickets
            .iter()
            .zip(batch)
            .map(|(t, j)| (t.id, &j.filed))
            .collect();
        super::events::write_firsts(&txn, &firsts).await?;
        txn.commit().await?;
        Ok(tickets)
    }

    /// Batches of filings written together, and the filings in them, since start.
    pub fn filing_batches(&self) -> (u64, u64) {
        use std::sync::atomic::Ordering::Relaxed;
        (
            self.filings.batches.load(Relaxed),
            self.filings.batched.load(Relaxed),
        )
    }
}
