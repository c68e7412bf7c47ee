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
    handles: Vec<JoinHandle<WorkerOutput>>,
}

pub struct WorkerOutput {
    pub recorder: Recorder,
    pub tallies: Vec<Tally>,
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
            std::thread::Builder::new()
                .name(format!("wsbench-client-{worker}"))
                .spawn(move || run_worker(ids, threads, plan, control, ramp))
        })
        .collect::<std::io::Result<_>>()?;
    Ok(Workers { handles })
}

impl Workers {
    /// Waits for every worker (after the run's stop signal) and merges what they measured.
    pub fn join(self) -> WorkerOutput {
        let mut merged = WorkerOutput {
            recorder: Recorder::default(),
            tallies: Vec::new(),
        };
        for handle in self.handles {
            if let Ok(output) = handle.join() {
                merged.recorder.merge(&output.recorder);
                merged.tallies.extend(output.tallies);
            }
        }
        merged
    }
}

fn run_worker(
    ids: Range<u64>,
    threads: u64,
    plan: Arc<Plan>,
    control: Arc<RunControl>,
    ramp: Duration,
) -> WorkerOutput {
    let clients = plan.clients;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime builds");
    let local = tokio::task::LocalSet::new();
    let recorder = Rc::new(RefCell::new(Recorder::default()));
    let plan = Rc::new(Plan::clone(&plan));
    let tallies = local.block_on(&runtime, async {
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
        let mut tallies = Vec::with_capacity(tasks.len());
        for task in tasks {
            if let Ok(tally) = task.await {
                tallies.push(tally);
            }
        }
        tallies
    });
    drop(local);
    let recorder = Rc::try_unwrap(recorder).map_or_else(
        |shared| std::mem::take(&mut *shared.borrow_mut()),
        RefCell::into_inner,
    );
    WorkerOutput { recorder, tallies }
}
