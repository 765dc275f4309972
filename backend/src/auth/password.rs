//! Password policy and argon2id hashing.
//!
//! Policy follows NIST SP 800-63B / OWASP ASVS: 8–128 characters, not a common password, not the
//! user name; no composition rules. Hashing is argon2id with the RFC 9106 / OWASP parameters
//! (m = 19 MiB, t = 2, p = 1) and runs on blocking threads behind a semaphore, so a storm of
//! login attempts cannot take every core away from other requests.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock};

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

use crate::error::{AppError, AppResult, FieldError};

pub const MIN_LEN: usize = 8;
pub const MAX_LEN: usize = 128;

static COMMON: LazyLock<std::collections::HashSet<&'static str>> =
    LazyLock::new(|| include_str!("common-passwords.txt").lines().map(str::trim).filter(|l| !l.is_empty()).collect());

/// Checks a new password against the policy; `pointer` names the field in errors.
pub fn check_policy(password: &str, username: &str, pointer: &str) -> Result<(), FieldError> {
    let len = password.chars().count();
    if len < MIN_LEN {
        return Err(FieldError::new(pointer, "password_too_short", format!("at least {MIN_LEN} characters")));
    }
    if len > MAX_LEN {
        return Err(FieldError::new(pointer, "password_too_long", format!("at most {MAX_LEN} characters")));
    }
    let lower = password.to_lowercase();
    if COMMON.contains(lower.as_str()) {
        return Err(FieldError::new(pointer, "password_too_common", "this password is too common; choose another"));
    }
    if !username.is_empty() && lower.contains(&username.to_lowercase()) {
        return Err(FieldError::new(pointer, "password_contains_username", "the password must not contain the user name"));
    }
    Ok(())
}

fn argon2() -> Argon2<'static> {
    // Explicit so that a change of the crate's defaults cannot weaken stored hashes.
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes synchronously (command line, seeding). Servers use [`Hasher`].
pub fn hash(password: &str) -> String {
    argon2().hash_password(password.as_bytes()).expect("argon2 hashing cannot fail with valid params").to_string()
}

/// Verifies synchronously; a malformed stored hash never matches.
pub fn verify(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => argon2().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// Compared against when the user does not exist, so that an unknown user costs the same time
/// as a wrong password.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| hash("rectify-dummy-password"));

/// Bounded, off-thread password hashing for the server.
#[derive(Clone)]
pub struct Hasher {
    permits: Arc<Semaphore>,
    queued: Arc<AtomicUsize>,
    max_queue: usize,
}

impl Hasher {
    pub fn new(concurrency: usize) -> Self {
        let concurrency = concurrency.max(1);
        LazyLock::force(&DUMMY_HASH);
        Hasher { permits: Arc::new(Semaphore::new(concurrency)), queued: Arc::new(AtomicUsize::new(0)), max_queue: 64 * concurrency }
    }

    async fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> AppResult<T> {
        // Shed load instead of queueing without bound: each waiting login holds a connection.
        if self.queued.fetch_add(1, Ordering::SeqCst) >= self.max_queue {
            self.queued.fetch_sub(1, Ordering::SeqCst);
            return Err(AppError::too_many_requests("server_busy", 1));
        }
        let permit = self.permits.acquire().await;
        self.queued.fetch_sub(1, Ordering::SeqCst);
        let _permit = permit.map_err(AppError::internal)?;
        Ok(actix_web::web::block(f).await?)
    }

    pub async fn hash(&self, password: String) -> AppResult<String> {
        self.run(move || hash(&password)).await
    }

    /// `stored` is `None` for an unknown user: the work is done anyway and fails.
    pub async fn verify(&self, password: String, stored: Option<String>) -> AppResult<bool> {
        self.run(move || {
            let ok = verify(&password, stored.as_deref().unwrap_or(DUMMY_HASH.as_str()));
            ok && stored.is_some()
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_with_owasp_parameters_and_verify() {
        let h = hash("correct horse battery");
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify("correct horse battery", &h));
        assert!(!verify("correct horse batterY", &h));
        assert!(!verify("anything", "not a phc string"));
        assert_ne!(h, hash("correct horse battery"), "each hash has its own salt");
    }

    #[test]
    fn policy_checks_length_common_passwords_and_user_name() {
        assert_eq!(check_policy("short", "u", "/p").unwrap_err().code, "password_too_short");
        assert_eq!(check_policy(&"长".repeat(129), "u", "/p").unwrap_err().code, "password_too_long");
        assert!(check_policy(&"长".repeat(8), "u", "/p").is_ok(), "length counts characters, not bytes");
        assert_eq!(check_policy("Password1", "u", "/p").unwrap_err().code, "password_too_common");
        assert_eq!(check_policy("woaini1314", "u", "/p").unwrap_err().code, "password_too_common");
        assert_eq!(check_policy("zhanghc-2021!", "zhanghc", "/p").unwrap_err().code, "password_contains_username");
        assert!(check_policy("lowercase only is fine", "zhanghc", "/p").is_ok(), "no composition rules");
    }
}
