//! What a run shows on the console while it runs and when it is over: the progress of each
//! phase (`progress`), the table of figures (`table`) with its saturation marks and notes
//! (`saturation`), and the summary on stdout (`summary`). They follow the run through the
//! hooks of `observe`.

mod observe;
mod progress;
mod rate;
mod saturation;
mod summary;
mod table;

pub use observe::{Observers, RunObserver};
pub use progress::{Progress, schedule};
pub use summary::ConsoleSummary;
pub use table::render;
