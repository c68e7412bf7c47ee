//! A validation finding before it is placed in a file: the key path and what is wrong.
//! A leaf, so that the modules that validate their own settings (feed kinds, scenario,
//! transports) need not import each other.

#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    /// Dotted key path, like `clients.count` or `feed.rate`.
    pub key: String,
    pub message: String,
}

impl Issue {
    pub fn new(key: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            message: message.into(),
        }
    }
}
