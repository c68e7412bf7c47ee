//! Personal notifications and scan-to-login: many mostly idle clients, each subscribed to
//! its own user's topic (`u<n>`), each user receiving an event rarely, at Poisson instants
//! from the seed, whether or not anyone is connected. A share of the clients are login
//! pages instead: each session waits on a fresh topic (`login-<client>-<n>`) for the one
//! event its phone's scan publishes, a seeded delay after the page opened it, then leaves
//! for the next session. Every event matters: event semantics, per topic.

mod schedule;
mod source;

use std::time::Duration;

use serde::Serialize;

use super::{FeedKindSpec, FeedParams, FeedSource, Semantics, SourceContext, TopicLimits};
use crate::feed::Sessions;
use crate::issue::Issue;
use crate::units::SETTING_MEMORY;
use schedule::{PoissonSchedule, scan_delay};
use source::NotificationSource;

/// Login topics are named `login-<client>-<session>`; the source answers only those.
pub const LOGIN_PREFIX: &str = "login-";

/// What each topic keeps: a user's few recent notifications for `since`, and room for a
/// long window's publish instants (a topic's log grows only as it is used).
const TOPIC_HISTORY: usize = 64;
const TOPIC_MAX_LAG: usize = 64;
const TOPIC_WINDOW_LOG: usize = 4_096;

#[derive(Debug, Clone, Serialize)]
pub struct NotificationsSpec {
    /// Users, each a topic `u0`..; client `i` (not a login page) follows user `i % users`.
    pub users: u64,
    /// Notifications per second over all users; each user's mean gap is `users / rate`.
    pub rate: f64,
    /// Share of the clients that are login pages (evenly spread over the client ids).
    pub login_share: f64,
    /// A login's scan comes uniformly between these after its topic opened.
    #[serde(with = "crate::units::duration_text")]
    pub scan_min: Duration,
    #[serde(with = "crate::units::duration_text")]
    pub scan_max: Duration,
    /// A login session that got nothing for this long gives up: timed out.
    #[serde(with = "crate::units::duration_text")]
    pub login_timeout: Duration,
    /// Login topics the server keeps (never removed); one more is refused with 503.
    pub max_logins: u64,
}

const TEN_MINUTES: Duration = Duration::from_secs(600);

/// What the server holds for a topic from the moment it is made, before any event: its
/// hub, lag slots, history ring and entry in the topic map. Measured: the resident memory
/// of `wsbench serve` with 100,000 users less that with one, over 100,000.
const TOPIC_BYTES: u64 = 4608;

/// The most users, and the most login topics: each set of topics fits the memory one
/// setting may take.
const TOPICS_MAX: u64 = SETTING_MEMORY / TOPIC_BYTES;

/// `what` as a count's unit, with what each costs.
fn topics(what: &str) -> String {
    format!(
        "{what} (a topic each, about {:.1} KiB held by the server: at most {} GiB)",
        TOPIC_BYTES as f64 / 1024.0,
        SETTING_MEMORY >> 30
    )
}

impl NotificationsSpec {
    pub fn from_params(p: &mut FeedParams) -> Result<Self, Issue> {
        let users = p.count("users", 10_000, (1, TOPICS_MAX), &topics("users"))?;
        // One notification per user per minute unless told otherwise.
        let rate = p.rate("rate", users as f64 / 60.0)?;
        let login_share = p.fraction("login_share", 0.0)?;
        let any = (Duration::ZERO, TEN_MINUTES);
        let scan_min = p.duration("scan_min", Duration::from_secs(1), any)?;
        let scan_max = p.duration("scan_max", Duration::from_secs(5), any)?;
        if scan_max < scan_min {
            return Err(Issue::new(
                "feed.scan_max",
                format!(
                    "must be at least scan_min ({}), found {}",
                    crate::units::format_duration(scan_min),
                    crate::units::format_duration(scan_max)
                ),
            ));
        }
        let login_timeout = p.duration(
            "login_timeout",
            Duration::from_secs(30),
            (Duration::from_millis(1), TEN_MINUTES),
        )?;
        let max_logins = p.count(
            "max_logins",
            100_000,
            (1, TOPICS_MAX),
            &topics("login topics"),
        )?;
        Ok(Self {
            users,
            rate,
            login_share,
            scan_min,
            scan_max,
            login_timeout,
            max_logins,
        })
    }

    /// Whether client `id` is a login page: spread evenly, so that `login_share × clients`
    /// of them (rounded down) are, whatever the client count.
    pub fn is_login(&self, id: u64) -> bool {
        let share = self.login_share;
        ((id + 1) as f64 * share).floor() > (id as f64 * share).floor()
    }
}

impl FeedKindSpec for NotificationsSpec {
    fn semantics(&self) -> Semantics {
        Semantics::Events
    }

    fn rate(&self) -> Option<f64> {
        Some(self.rate)
    }

    fn source(&self, context: &SourceContext) -> Box<dyn FeedSource> {
        Box::new(NotificationSource::new(self.clone(), context.seed))
    }

    fn topics(&self) -> Option<TopicLimits> {
        Some(TopicLimits {
            max_topics: (self.users + self.max_logins) as usize,
            history: TOPIC_HISTORY,
            max_lag: TOPIC_MAX_LAG,
            window_log: TOPIC_WINDOW_LOG,
        })
    }

    fn client_topic(&self, id: u64, _clients: u64) -> Option<String> {
        (!self.is_login(id)).then(|| format!("u{}", id % self.users))
    }

    fn client_sessions(&self, id: u64, _clients: u64) -> Option<Sessions> {
        self.is_login(id).then(|| Sessions {
            prefix: format!("{LOGIN_PREFIX}{id}"),
            events: 1,
            limit: self.login_timeout,
        })
    }

    fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feed::FeedSpec;

    fn parse(text: &str) -> Result<FeedSpec, Issue> {
        let table: toml::Table = format!("kind = \"notifications\"\n{text}").parse().unwrap();
        FeedSpec::from_table(&table)
    }

    #[track_caller]
    fn refused(text: &str, key: &str, message: &str) {
        let issue = parse(text).unwrap_err();
        assert_eq!((issue.key.as_str(), issue.message.as_str()), (key, message));
    }

    #[test]
    fn bad_settings_are_refused_naming_the_key() {
        refused(
            "users = 0",
            "feed.users",
            "must be 1 to 233,016 users (a topic each, about 4.5 KiB held by the server: at \
             most 1 GiB), found 0",
        );
        refused(
            "rate = 0",
            "feed.rate",
            "must be above 0 events per second, found 0",
        );
        refused(
            "login_share = 1.5",
            "feed.login_share",
            "must be a share from 0 to 1, like 0.05, found 1.5",
        );
        refused(
            "login_share = \"5%\"",
            "feed.login_share",
            "expected a number from 0 to 1, like 0.05, found string",
        );
        refused(
            "scan_min = 2",
            "feed.scan_min",
            "expected a duration with a unit, like \"500ms\" or \"5s\", found integer",
        );
        refused(
            "scan_min = \"3s\"\nscan_max = \"2s\"",
            "feed.scan_max",
            "must be at least scan_min (3s), found 2s",
        );
        refused(
            "login_timeout = \"0s\"",
            "feed.login_timeout",
            "must be 1ms to 10m, found 0s",
        );
        refused(
            "max_logins = 0",
            "feed.max_logins",
            "must be 1 to 233,016 login topics (a topic each, about 4.5 KiB held by the \
             server: at most 1 GiB), found 0",
        );
        let unknown = parse("symbols = 3").unwrap_err();
        assert_eq!(unknown.key, "feed.symbols");
        assert!(unknown.message.ends_with(
            "accepted: kind, users, rate, login_share, scan_min, scan_max, login_timeout, \
             max_logins"
        ));
    }

    #[test]
    fn defaults_give_each_user_one_notification_a_minute() {
        let spec = parse("users = 600").unwrap();
        assert_eq!(spec.rate(), Some(10.0));
        let limits = spec.topics().unwrap();
        assert_eq!(limits.max_topics, 600 + 100_000);
    }

    #[test]
    fn login_pages_are_the_share_spread_evenly_and_the_rest_follow_users() {
        let spec = parse("users = 7\nlogin_share = 0.25").unwrap();
        let logins: Vec<u64> = (0..20)
            .filter(|&id| spec.client_sessions(id, 20).is_some())
            .collect();
        assert_eq!(logins, [3, 7, 11, 15, 19]);
        assert_eq!(
            spec.client_topic(3, 20),
            None,
            "a login page follows no user"
        );
        assert_eq!(spec.client_topic(9, 20).as_deref(), Some("u2"));
        let sessions = spec.client_sessions(7, 20).unwrap();
        assert_eq!(sessions.topic(4), "login-7-4");
        assert_eq!(
            (sessions.events, sessions.limit),
            (1, Duration::from_secs(30))
        );
        let none = parse("").unwrap();
        assert!((0..100).all(|id| none.client_sessions(id, 100).is_none()));
    }
}
