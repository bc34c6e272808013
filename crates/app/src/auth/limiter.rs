//! The login throttle: attempts per account and per address, without locking a user out
//! where they have signed in before.

/// How many login attempts are allowed per minute, per account and per client address.
#[derive(Debug, Clone, Copy)]
pub struct LoginLimits {
    pub per_account_per_minute: u32,
    pub per_address_per_minute: u32,
}

type Keyed<K> = governor::DefaultKeyedRateLimiter<K>;

/// Throttles password guessing: attempts are counted per account and per address.
///
/// The per-account count must not let a stranger lock a user out by guessing wrong on
/// purpose. An address the account has signed in from before therefore counts against its
/// own per-account-and-address quota instead of the account's shared one: guessing from
/// elsewhere exhausts only the shared quota, and the user, from where they usually sign in,
/// still gets in. (Remembered in the database for [`KNOWN_PAIR_DAYS`] days, so every
/// process knows them.)
pub struct LoginLimiter {
    /// The quotas, also counted across processes in the database (see [`shared_check`]).
    pub limits: LoginLimits,
    account: Keyed<String>,
    address: Keyed<std::net::IpAddr>,
    known: Keyed<(String, std::net::IpAddr)>,
}

/// The key a known pair is kept under in the database.
fn pair_key(username: &str, address: std::net::IpAddr) -> String {
    format!("{}|{address}", account(username))
}

/// An account as counted: no real username is longer than 64 characters, and a longer one
/// must not make a longer key.
fn account(username: &str) -> String {
    username.chars().take(64).collect::<String>().to_lowercase()
}

const WINDOW_MS: i64 = 60_000;

/// The same quotas counted by every process sharing the database (several servers on one
/// PostgreSQL): one minute's attempts per address and per account (or per account and a
/// known address), atomically. `Ok(Err(seconds))` says how long to wait.
pub(super) async fn shared_check(
    state: &crate::AppState,
    username: &str,
    address: std::net::IpAddr,
    known: bool,
) -> crate::AppResult<Result<(), u64>> {
    let limiter = &state.auth.limiter;
    let now = state.now().timestamp_millis();
    let window = now - now.rem_euclid(WINDOW_MS);
    let pair = pair_key(username, address);
    let account_key = if known {
        format!("k:{pair}")
    } else {
        format!("u:{}", account(username))
    };
    let counts = state
        .store
        .count_login_attempts(
            &[format!("a:{address}"), account_key],
            window,
            window - 10 * WINDOW_MS,
        )
        .await?;
    let limits = limiter.limits;
    let over = counts
        .first()
        .is_some_and(|&n| n > i64::from(limits.per_address_per_minute.max(1)))
        || counts
            .get(1)
            .is_some_and(|&n| n > i64::from(limits.per_account_per_minute.max(1)));
    Ok(if over {
        Err(((window + WINDOW_MS - now) / 1000).max(1) as u64)
    } else {
        Ok(())
    })
}

/// Whether the account signed in from the address before, on any process.
pub(super) async fn known_pair(
    state: &crate::AppState,
    username: &str,
    address: std::net::IpAddr,
) -> crate::AppResult<bool> {
    let since = state.now().timestamp_millis() - (KNOWN_PAIR_DAYS as i64) * 86_400_000;
    Ok(state
        .store
        .login_pair_known(&pair_key(username, address), since)
        .await?)
}

/// Remembers that `username` signed in from `address`, for every process.
pub(super) async fn shared_remember(
    state: &crate::AppState,
    username: &str,
    address: std::net::IpAddr,
) -> crate::AppResult<()> {
    state
        .store
        .remember_login_pair(&pair_key(username, address), state.now().timestamp_millis())
        .await?;
    Ok(())
}

/// How long a successful sign-in keeps its address known.
pub const KNOWN_PAIR_DAYS: u64 = 30;

impl LoginLimiter {
    /// Limiters with the given quotas (at least one attempt a minute each).
    pub fn new(limits: LoginLimits) -> Self {
        let quota = |n: u32| {
            governor::Quota::per_minute(
                std::num::NonZeroU32::new(n.max(1)).unwrap_or(std::num::NonZeroU32::MIN),
            )
        };
        Self {
            limits,
            account: governor::RateLimiter::keyed(quota(limits.per_account_per_minute)),
            address: governor::RateLimiter::keyed(quota(limits.per_address_per_minute)),
            known: governor::RateLimiter::keyed(quota(limits.per_account_per_minute)),
        }
    }

    /// Counts an attempt in this process; `Err(seconds)` says how long to wait. `known`: the
    /// pair signed in before ([`known_pair`]).
    pub fn check(&self, username: &str, address: std::net::IpAddr, known: bool) -> Result<(), u64> {
        let clock = governor::clock::DefaultClock::default();
        let wait = |n: governor::NotUntil<governor::clock::QuantaInstant>| {
            use governor::clock::Clock as _;
            n.wait_time_from(clock.now()).as_secs().max(1)
        };
        self.address.check_key(&address).map_err(wait)?;
        let pair = (username.to_lowercase(), address);
        if known {
            self.known.check_key(&pair).map_err(wait)
        } else {
            self.account.check_key(&pair.0).map_err(wait)
        }
    }
}
