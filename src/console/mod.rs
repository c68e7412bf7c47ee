//! What a run shows on the console while it runs and when it is over: the progress of each
//! phase (`progress`), and the table of figures and the assertions (`table`). Both follow
//! the run through the hooks of `observe`.

mod observe;
mod progress;
mod table;

pub use observe::{Observers, RunObserver};
pub use progress::{Progress, schedule};
pub use table::{ConsoleSummary, render};
