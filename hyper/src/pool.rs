//! The dedicated, bounded pool of threads that run application calls.
//!
//! Not tokio's shared blocking pool: its size is the server's
//! [`Config::threads`](crate::Config::threads), threads start on demand and
//! exit after [`Config::thread_idle_timeout`](crate::Config::thread_idle_timeout)
//! idle, and a request is refused ([`Busy`]) rather than queued without
//! bound when every thread is busy and the queue is full.

use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

/// A unit of work: one request's application call and body.
pub(crate) type Job = Box<dyn FnOnce() + Send + 'static>;

/// The pool and its queue are full: answer 503.
pub(crate) struct Busy(pub(crate) Job);

impl std::fmt::Debug for Busy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Busy")
    }
}

/// The sizes a pool is made with.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PoolSize {
    pub(crate) threads: usize,
    pub(crate) queue: usize,
    pub(crate) idle_timeout: Duration,
    pub(crate) stack_size: usize,
}

/// A bounded thread pool (cheap to clone: clones share the pool).
#[derive(Clone)]
pub(crate) struct Pool {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.shared.lock();
        f.debug_struct("Pool")
            .field("threads", &state.threads)
            .field("idle", &state.idle)
            .field("queued", &state.queue.len())
            .finish()
    }
}

struct Shared {
    size: PoolSize,
    state: Mutex<State>,
    work: Condvar,
}

/// What the pool is doing; every field changes under one lock.
struct State {
    queue: VecDeque<Job>,
    /// Threads alive (running a job or idle).
    threads: usize,
    /// Threads waiting for a job.
    idle: usize,
    phase: Phase,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Running,
    /// Threads finish the queue, then exit instead of waiting.
    Closing,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A job never runs under the lock, so poisoning cannot happen; if it
        // did, the state is still consistent (every update is one step).
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Pool {
    pub(crate) fn new(size: PoolSize) -> Pool {
        Pool {
            shared: Arc::new(Shared {
                size,
                state: Mutex::new(State {
                    queue: VecDeque::new(),
                    threads: 0,
                    idle: 0,
                    phase: Phase::Running,
                }),
                work: Condvar::new(),
            }),
        }
    }

    /// Runs `job` on a pool thread: an idle one, a new one while the pool
    /// is below its size, or later from the bounded queue; `Err(Busy)` when
    /// all of that is full (the caller answers 503).
    pub(crate) fn submit(&self, job: Job) -> Result<(), Busy> {
        let mut state = self.shared.lock();
        if state.phase == Phase::Closing {
            return Err(Busy(job));
        }
        let waiting_for_idle = state.queue.len() < state.idle;
        if waiting_for_idle {
            state.queue.push_back(job);
            drop(state);
            self.shared.work.notify_one();
            return Ok(());
        }
        if state.threads < self.shared.size.threads {
            state.threads += 1;
            drop(state);
            return self.spawn(job);
        }
        if state.queue.len() - state.idle < self.shared.size.queue {
            state.queue.push_back(job);
            return Ok(());
        }
        Err(Busy(job))
    }

    fn spawn(&self, job: Job) -> Result<(), Busy> {
        let shared = Arc::clone(&self.shared);
        let first = Arc::new(Mutex::new(Some(job)));
        let handed = Arc::clone(&first);
        let spawned = std::thread::Builder::new()
            .name("rgi-hyper-app".into())
            .stack_size(self.shared.size.stack_size)
            .spawn(move || {
                let job = handed.lock().ok().and_then(|mut j| j.take());
                worker(&shared, job)
            });
        if spawned.is_err() {
            self.shared.lock().threads -= 1;
            let job = first.lock().ok().and_then(|mut j| j.take());
            return match job {
                Some(job) => Err(Busy(job)),
                None => Ok(()),
            };
        }
        Ok(())
    }

    /// Threads alive now (for tests and stats).
    #[cfg(test)]
    pub(crate) fn threads(&self) -> usize {
        self.shared.lock().threads
    }

    /// Stops taking jobs; threads finish what is queued and exit.
    pub(crate) fn close(&self) {
        self.shared.lock().phase = Phase::Closing;
        self.shared.work.notify_all();
    }
}

/// A pool thread: runs its first job, then jobs from the queue, and exits
/// after the idle timeout with nothing to do.
fn worker(shared: &Shared, mut job: Option<Job>) {
    loop {
        if let Some(job) = job.take() {
            // The gateway's call policy catches application panics; this
            // keeps the thread alive should anything else panic.
            let _ = catch_unwind(AssertUnwindSafe(job));
        }
        let mut state = shared.lock();
        loop {
            if let Some(next) = state.queue.pop_front() {
                job = Some(next);
                break;
            }
            if state.phase == Phase::Closing {
                state.threads -= 1;
                return;
            }
            state.idle += 1;
            let (next, timeout) = shared
                .work
                .wait_timeout(state, shared.size.idle_timeout)
                .unwrap_or_else(|p| p.into_inner());
            state = next;
            state.idle -= 1;
            if timeout.timed_out() && state.queue.is_empty() {
                state.threads -= 1;
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    fn pool(threads: usize, queue: usize, idle: Duration) -> Pool {
        Pool::new(PoolSize {
            threads,
            queue,
            idle_timeout: idle,
            stack_size: 256 * 1024,
        })
    }

    #[test]
    fn full_pool_and_queue_refuse_instead_of_growing() {
        let pool = pool(2, 1, Duration::from_secs(30));
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let release_rx = Arc::new(Mutex::new(release_rx));
        let (started_tx, started_rx) = mpsc::channel::<()>();
        let blocker = || {
            let rx = Arc::clone(&release_rx);
            let started = started_tx.clone();
            Box::new(move || {
                let _ = started.send(());
                let _ = rx.lock().unwrap().recv();
            }) as Job
        };
        pool.submit(blocker()).unwrap();
        pool.submit(blocker()).unwrap();
        started_rx.recv().unwrap();
        started_rx.recv().unwrap();
        pool.submit(blocker()).unwrap(); // queued
        assert!(
            pool.submit(blocker()).is_err(),
            "2 threads + 1 queued is the bound"
        );
        assert_eq!(pool.threads(), 2);
        for _ in 0..3 {
            release_tx.send(()).unwrap();
        }
        started_rx.recv().unwrap(); // the queued job ran
    }

    #[test]
    fn idle_threads_are_reaped_and_restarted() {
        let pool = pool(4, 4, Duration::from_millis(20));
        let (tx, rx) = mpsc::channel();
        let tx2 = tx.clone();
        pool.submit(Box::new(move || tx2.send(1).unwrap())).unwrap();
        assert_eq!(rx.recv().unwrap(), 1);
        while pool.threads() > 0 {
            std::thread::sleep(Duration::from_millis(5));
        }
        pool.submit(Box::new(move || tx.send(2).unwrap())).unwrap();
        assert_eq!(rx.recv().unwrap(), 2);
    }

    #[test]
    fn a_panicking_job_keeps_the_pool_serving() {
        let pool = pool(1, 16, Duration::from_secs(30));
        for _ in 0..10 {
            pool.submit(Box::new(|| panic!("job panics"))).unwrap();
        }
        let (tx, rx) = mpsc::channel();
        pool.submit(Box::new(move || tx.send("ok").unwrap()))
            .unwrap();
        assert_eq!(rx.recv().unwrap(), "ok");
    }
}
