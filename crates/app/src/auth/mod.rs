//! Authentication: argon2id password hashes, short-lived HS256 JWTs, and the [`Caller`]
//! extractor. Permission is not decided here: handlers ask the rules in `domain`.

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use chrono::{DateTime, Utc};
use gridline_domain::{Actor, Role, UserId};
use jsonwebtoken::{Algorithm as JwtAlg, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::directory::Person;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

mod cache;
mod limiter;

pub use cache::ActorCache;
use cache::Known;
pub use limiter::{KNOWN_PAIR_DAYS, LoginLimiter, LoginLimits};

const ISSUER: &str = "gridline";
const AUDIENCE: &str = "gridline-api";

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub role: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
    /// When the password was checked (a renewed session keeps it; absent in older tokens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<i64>,
    /// The user's token epoch when this was issued: signing out, a new password,
    /// deactivation or a role change raise the user's, and older tokens are refused.
    #[serde(default)]
    pub epoch: i64,
}

/// Argon2id cost parameters.
#[derive(Debug, Clone, Copy)]
pub struct HashCost {
    /// Memory in KiB.
    pub m_cost: u32,
    /// Iterations.
    pub t_cost: u32,
    /// Lanes.
    pub p_cost: u32,
}

impl Default for HashCost {
    /// OWASP's recommended minimum for argon2id: 19 MiB, 2 iterations, 1 lane.
    fn default() -> Self {
        Self {
            m_cost: 19 * 1024,
            t_cost: 2,
            p_cost: 1,
        }
    }
}

/// Signing keys, token lifetime and password hashing cost.
pub struct AuthKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    /// Seconds an access token lives.
    pub token_ttl_secs: i64,
    cost: HashCost,
    /// A hash verified when the username is unknown, so timing does not tell.
    dummy_hash: String,
    /// Login attempts allowed.
    pub limiter: LoginLimiter,
    /// A key for MACs other than tokens (the pages' CSRF tokens), derived from the secret.
    mac_key: [u8; 32],
}

impl AuthKeys {
    /// Builds the keys from the configured secret.
    pub fn new(
        secret: &[u8],
        token_ttl_secs: i64,
        cost: HashCost,
        limits: LoginLimits,
    ) -> Result<Self, String> {
        let mut validation = Validation::new(JwtAlg::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        // Expiry and not-before are checked against the application's clock (`verify`),
        // not the library's reading of the system time: one time source.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        let mut keys = Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            token_ttl_secs,
            cost,
            dummy_hash: String::new(),
            limiter: LoginLimiter::new(limits),
            mac_key: Sha256::new()
                .chain_update(b"gridline mac key\0")
                .chain_update(secret)
                .finalize()
                .into(),
        };
        keys.dummy_hash = keys.hash_password("not a real password")?;
        Ok(keys)
    }

    fn argon2(&self) -> Result<Argon2<'static>, String> {
        let params = Params::new(self.cost.m_cost, self.cost.t_cost, self.cost.p_cost, None)
            .map_err(|e| e.to_string())?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }

    /// Hashes a password to a PHC string (argon2id, random salt). CPU-heavy: call it off the
    /// async threads.
    pub fn hash_password(&self, password: &str) -> Result<String, String> {
        self.argon2()?
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| e.to_string())
    }

    /// Checks a password against a stored hash (or against a dummy when there is none).
    pub fn verify_password(&self, password: &str, hash: Option<&str>) -> bool {
        let target = hash.unwrap_or(&self.dummy_hash);
        let Ok(parsed) = PasswordHash::new(target) else {
            return false;
        };
        let ok = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        ok && hash.is_some()
    }

    /// HMAC-SHA256 of `message` for `purpose`, base64url: unforgeable without the secret.
    pub fn mac(&self, purpose: &str, message: &str) -> String {
        use base64::Engine as _;
        use hmac::Mac as _;
        let Ok(mut mac) = hmac::Hmac::<Sha256>::new_from_slice(&self.mac_key) else {
            return String::new();
        };
        mac.update(purpose.as_bytes());
        mac.update(b"\0");
        mac.update(message.as_bytes());
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }

    /// Compares a presented MAC with the expected one in constant time.
    pub fn verify_mac(&self, purpose: &str, message: &str, presented: &str) -> bool {
        use base64::Engine as _;
        use hmac::Mac as _;
        let Ok(tag) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(presented) else {
            return false;
        };
        let Ok(mut mac) = hmac::Hmac::<Sha256>::new_from_slice(&self.mac_key) else {
            return false;
        };
        mac.update(purpose.as_bytes());
        mac.update(b"\0");
        mac.update(message.as_bytes());
        mac.verify_slice(&tag).is_ok()
    }

    /// Issues an access token under the user's current token epoch.
    pub fn issue(
        &self,
        user: UserId,
        role: Role,
        epoch: i64,
        now: DateTime<Utc>,
    ) -> Result<String, AppError> {
        self.sign(user, role, epoch, now, now.timestamp())
    }

    /// A fresh token for the same sign-in (a session in use): the time of the password
    /// check carries over, so a session can be bounded however long it is kept alive.
    pub fn renew(
        &self,
        claims: &Claims,
        role: Role,
        now: DateTime<Utc>,
    ) -> Result<String, AppError> {
        let user = claims
            .sub
            .parse::<i64>()
            .map_err(|_| AppError::unauthorized("invalid_token"))?;
        self.sign(
            UserId(user),
            role,
            claims.epoch,
            now,
            claims.auth_time.unwrap_or(claims.iat),
        )
    }

    fn sign(
        &self,
        user: UserId,
        role: Role,
        epoch: i64,
        now: DateTime<Utc>,
        auth_time: i64,
    ) -> Result<String, AppError> {
        let iat = now.timestamp();
        let claims = Claims {
            auth_time: Some(auth_time),
            epoch,
            sub: user.0.to_string(),
            role: role.as_str().to_owned(),
            iat,
            nbf: iat,
            exp: iat + self.token_ttl_secs,
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
        };
        jsonwebtoken::encode(&Header::new(JwtAlg::HS256), &claims, &self.encoding)
            .map_err(|e| AppError::internal(&e))
    }

    /// Verifies a token: signature, algorithm, issuer, audience, and expiry and not-before
    /// at `now` (five seconds' leeway for clocks of several processes).
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<Claims, AppError> {
        const LEEWAY: i64 = 5;
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|d| d.claims)
            .map_err(|e| {
                tracing::debug!(error = %e, "token refused");
                AppError::unauthorized("invalid_token")
            })?;
        let now = now.timestamp();
        if claims.exp < now - LEEWAY || claims.nbf > now + LEEWAY {
            tracing::debug!(
                exp = claims.exp,
                nbf = claims.nbf,
                now,
                "token out of its time"
            );
            return Err(AppError::unauthorized("invalid_token"));
        }
        Ok(claims)
    }
}

/// Who is calling: authenticated (by a Bearer token or a page session) and still active.
/// Every use case takes one.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Who they are (a read model: never the password hash).
    pub user: Person,
    /// The rules' view of the caller.
    pub actor: Actor,
}

/// Checks a token (from a header or a session cookie) and loads the active user behind it.
pub async fn authenticate(state: &AppState, token: &str) -> Result<Caller, AppError> {
    let claims = state.auth.verify(token, state.now())?;
    authenticate_claims(state, &claims).await
}

/// Loads the active user behind verified claims (their role must still be the token's).
pub async fn authenticate_claims(state: &AppState, claims: &Claims) -> Result<Caller, AppError> {
    let id = claims
        .sub
        .parse::<i64>()
        .map_err(|_| AppError::unauthorized("invalid_token"))?;
    let known = match state.actors.get(id) {
        Some(hit) => hit,
        None => {
            let (row, actor) = state
                .store
                .actor(UserId(id))
                .await?
                .ok_or_else(|| AppError::unauthorized("invalid_token"))?;
            let known = Known {
                epoch: row.token_epoch,
                person: Person::try_from(row)?,
                actor,
            };
            state.actors.put(id, &known);
            known
        }
    };
    // A token issued before a role change no longer speaks for the user, nor one issued
    // before they signed out or their password was changed or reset.
    if claims.role != known.actor.role().as_str() {
        return Err(AppError::unauthorized("invalid_token"));
    }
    if claims.epoch != known.epoch {
        return Err(AppError::unauthorized("token_revoked"));
    }
    // The request's log line names who made it (by id only).
    tracing::Span::current().record("user_id", id);
    Ok(Caller {
        user: known.person,
        actor: known.actor,
    })
}

impl Caller {
    /// Refuses everything but changing the password (and signing out) while an
    /// administrator's reset waits for the user to choose a new one.
    pub fn require_current_password(&self) -> Result<(), AppError> {
        if self.user.must_change_password {
            Err(AppError::forbidden(
                "password_change_required",
                "choose a new password first / 请先设置新密码",
            ))
        } else {
            Ok(())
        }
    }

    /// Refuses callers who are not admins.
    pub fn require_admin(&self) -> Result<(), AppError> {
        if self.actor.role() == Role::Admin {
            Ok(())
        } else {
            Err(AppError::forbidden(
                "admin_only",
                "only administrators may do this / 仅系统管理员可执行此操作",
            ))
        }
    }
}

/// A successful sign-in.
#[derive(Debug)]
pub struct SignedIn {
    pub token: String,
    /// An administrator reset the password: nothing but choosing a new one is allowed yet.
    pub must_change_password: bool,
}

/// Checks a username and password (throttled per account and address) and issues a token.
/// The API's login and the pages' login both come through here.
pub async fn sign_in(
    state: &AppState,
    address: std::net::IpAddr,
    username: &str,
    password: String,
) -> AppResult<SignedIn> {
    // A username is printable: a NUL would reach the database (a 500 on PostgreSQL), the
    // throttle's counts included.
    gridline_domain::text::refuse_control_characters("username", username, false)?;
    let known = limiter::known_pair(state, username, address).await?;
    let throttled = match state.auth.limiter.check(username, address, known) {
        Err(wait) => Err(wait),
        // Counted in the database as well, so several processes share one count.
        Ok(()) => limiter::shared_check(state, username, address, known).await?,
    };
    if let Err(wait) = throttled {
        tracing::warn!(%username, %address, "login attempts throttled");
        metrics::counter!("login_throttled_total").increment(1);
        return Err(AppError::too_many_requests(wait));
    }
    let user = if username.len() <= 64 {
        state.store.user_by_username(username).await?
    } else {
        None
    };
    let user = user.filter(|u| u.active);
    let auth = state.auth.clone();
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    // Hashing is deliberately slow: keep it off the async worker threads.
    let ok = tokio::task::spawn_blocking(move || auth.verify_password(&password, hash.as_deref()))
        .await
        .map_err(|e| AppError::internal(&e))?;
    let Some(user) = user.filter(|_| ok) else {
        tracing::info!(%username, "failed login");
        metrics::counter!("login_refused_total").increment(1);
        return Err(AppError::unauthorized("invalid_credentials")
            .detail("wrong username or password / 用户名或密码错误"));
    };
    let role = Role::parse(&user.role)
        .ok_or_else(|| AppError::internal(&format!("stored role {}", user.role)))?;
    limiter::shared_remember(state, username, address).await?;
    Ok(SignedIn {
        token: state
            .auth
            .issue(UserId(user.id), role, user.token_epoch, state.now())?,
        must_change_password: user.must_change_password,
    })
}

/// Signs the user out everywhere: every token issued to them before, API tokens and page
/// sessions alike, is refused from now on (on other processes within
/// `auth.actor_cache_secs`).
pub async fn sign_out(state: &AppState, user: UserId) -> AppResult<()> {
    state.store.revoke_tokens(user).await?;
    state.actors.forget(user.0);
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]

    use super::*;

    fn keys() -> AuthKeys {
        AuthKeys::new(
            b"a test secret that is long enough for HS256",
            3600,
            HashCost {
                m_cost: 8,
                t_cost: 1,
                p_cost: 1,
            },
            LoginLimits {
                per_account_per_minute: 5,
                per_address_per_minute: 20,
            },
        )
        .unwrap()
    }

    /// A token's lifetime is read on the application's clock, whatever the system time:
    /// valid from its issue to its expiry, refused before and after (tests that move the
    /// clock days ahead sign in again, as people would).
    #[test]
    fn token_time_is_the_application_clock() {
        let k = keys();
        let issued = DateTime::parse_from_rfc3339("2031-03-02T08:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let token = k.issue(UserId(7), Role::Liaison, 0, issued).unwrap();
        let at = |secs: i64| issued + chrono::Duration::seconds(secs);
        assert_eq!(k.verify(&token, at(0)).unwrap().sub, "7");
        assert!(k.verify(&token, at(3599)).is_ok());
        assert!(
            k.verify(&token, at(3600 + 5)).is_ok(),
            "five seconds' leeway"
        );
        let late = k.verify(&token, at(3600 + 6)).unwrap_err();
        assert_eq!(late.code(), "invalid_token");
        assert!(k.verify(&token, at(-5)).is_ok());
        assert!(
            k.verify(&token, at(-6)).is_err(),
            "not valid before it was issued"
        );
    }
}
