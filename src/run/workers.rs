//! Client workers: one thread per core, each a single-threaded runtime whose clients
//! record into that worker's own `Recorder`, merged once at the end (no locks, no
//! message per event).

use std::cell::RefCell;
use std::ops::Range;
use std::rc::Rc;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use crate::client::{Client, Plan, Recorder, RunControl, Tally};

pub struct Workers {
    /// Each worker's thread, and how many clients it runs.
    handles: Vec<(JoinHandle<WorkerOutput>, u64)>,
}

#[derive(Default)]
pub struct WorkerOutput {
    pub recorder: Recorder,
    pub tallies: Vec<Tally>,
    /// Clients whose task panicked, or whose worker thread did: a wsbench bug, and counts
    /// that are missing from `tallies` (and, for a thread, from `recorder`).
    pub panicked: u64,
}

/// Starts the clients `ids` of the run's `plan.clients` over `threads` workers, client `i`
/// starting at `ramp * i / plan.clients`: a shard's clients keep the ids and ramp offsets
/// they have in the whole run.
pub fn start(
    plan: Plan,
    control: Arc<RunControl>,
    ids: Range<u64>,
    ramp: Duration,
    threads: usize,
) -> std::io::Result<Workers> {
    let plan = Arc::new(plan);
    let threads = threads.max(1) as u64;
    let handles = (0..threads.min(ids.end - ids.start))
        .map(|worker| {
            let plan = plan.clone();
            let control = control.clone();
            let ids = ids.start + worker..ids.end;
            let clients = ids.clone().step_by(threads as usize).count() as u64;
            std::thread::Builder::new()
                .name(format!("wsbench-client-{worker}"))
                .spawn(move || run_worker(ids, threads, plan, control, ramp))
                .map(|handle| (handle, clients))
        })
        .collect::<std::io::Result<_>>()?;
    Ok(Workers { handles })
}

impl Workers {
    /// Waits for every worker (after the run's stop signal) and merges what they measured.
    pub fn join(self) -> WorkerOutput {
        merge(
            self.handles
                .into_iter()
                .map(|(handle, clients)| (handle.join(), clients)),
        )
    }
}

/// Merges the workers' outputs; a worker that panicked counts all its clients as panicked.
fn merge(outputs: impl Iterator<Item = (std::thread::Result<WorkerOutput>, u64)>) -> WorkerOutput {
    let mut merged = WorkerOutput::default();
    for (output, clients) in outputs {
        match output {
            Ok(output) => {
                merged.recorder.merge(&output.recorder);
                merged.tallies.extend(output.tallies);
                merged.panicked += output.panicked;
            }
            Err(_) => merged.panicked += clients,
        }
    }
    merged
}

/// The tallies of the clients whose tasks returned, and how many did not (they panicked).
fn tallies_of(results: Vec<Result<Tally, tokio::task::JoinError>>) -> (Vec<Tally>, u64) {
    let mut tallies = Vec::with_capacity(results.len());
    let mut panicked = 0;
    for result in results {
        match result {
            Ok(tally) => tallies.push(tally),
            Err(_) => panicked += 1,
        }
    }
    (tallies, panicked)
}

fn run_worker(
    ids: Range<u64>,
    threads: u64,
    plan: Arc<Plan>,
    control: Arc<RunControl>,
    ramp: Duration,
) -> WorkerOutput {
    // A client's panic fails its entry, counted below, not the whole run.
    crate::internal_error::contain_panics_on_this_thread();
    let clients = plan.clients;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime builds");
    let local = tokio::task::LocalSet::new();
    let recorder = Rc::new(RefCell::new(Recorder::default()));
    let plan = Rc::new(Plan::clone(&plan));
    let (tallies, panicked) = local.block_on(&runtime, async {
        let mut tasks = Vec::new();
        for id in ids.step_by(threads as usize) {
            let delay = ramp.mul_f64(id as f64 / clients as f64);
            let client = Client::new(id, plan.clone(), recorder.clone(), control.clone());
            let mut stopped = control.stopped();
            tasks.push(tokio::task::spawn_local(async move {
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = stopped.changed() => {}
                }
                client.run().await
            }));
        }
        let mut results = Vec::with_capacity(tasks.len());
        for task in tasks {
            results.push(task.await);
        }
        tallies_of(results)
    });
    drop(local);
    let recorder = Rc::try_unwrap(recorder).map_or_else(
        |shared| std::mem::take(&mut *shared.borrow_mut()),
        RefCell::into_inner,
    );
    WorkerOutput {
        recorder,
        tallies,
        panicked,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_task_that_panicked_is_counted_not_dropped() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let local = tokio::task::LocalSet::new();
        let results = local.block_on(&runtime, async {
            let fine = tokio::task::spawn_local(async { Tally::default() });
            let broken = tokio::task::spawn_local(async { panic!("a client's bug") });
            vec![fine.await, broken.await]
        });
        let (tallies, panicked) = tallies_of(results);
        assert_eq!((tallies.len(), panicked), (1, 1));
    }

    #[test]
    fn a_worker_thread_that_panicked_counts_all_its_clients() {
        let fine = WorkerOutput {
            tallies: vec![Tally::default(), Tally::default()],
            panicked: 1,
            ..WorkerOutput::default()
        };
        let merged = merge(
            [
                (Ok(fine), 3),
                (
                    Err(Box::new("a worker's bug") as Box<dyn std::any::Any + Send>),
                    3,
                ),
            ]
            .into_iter(),
        );
        assert_eq!((merged.tallies.len(), merged.panicked), (2, 4));
    }
}
