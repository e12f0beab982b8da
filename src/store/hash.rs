//! Content hashes of submitted bodies (SHA-256), computed while the body streams.

use std::io::{self, Read};
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// A shared view of the hash a [`HashingReader`] computes.
#[derive(Debug, Clone)]
pub struct HashHandle(Arc<Mutex<Sha256>>);

impl HashHandle {
    /// Lowercase hex SHA-256 of every byte read so far.
    pub fn hex(&self) -> String {
        let state = match self.0.lock() {
            Ok(g) => g.clone(),
            // A panic while hashing leaves the state as it was; still usable.
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        hex(&state.finalize())
    }
}

/// A reader that hashes what passes through it, so a body can be hashed and
/// parsed in one pass. Read it to the end before asking for the hash.
#[derive(Debug)]
pub struct HashingReader<R> {
    inner: R,
    state: Arc<Mutex<Sha256>>,
}

impl<R: Read> HashingReader<R> {
    /// Wraps `inner`; the handle gives the hash later.
    pub fn new(inner: R) -> (Self, HashHandle) {
        let state = Arc::new(Mutex::new(Sha256::new()));
        (
            HashingReader {
                inner,
                state: state.clone(),
            },
            HashHandle(state),
        )
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        match self.state.lock() {
            Ok(mut g) => g.update(&buf[..n]),
            Err(poisoned) => poisoned.into_inner().update(&buf[..n]),
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digest_and_streaming_equals_one_shot() {
        // FIPS 180-2 test vector.
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let (mut r, h) = HashingReader::new(&b"abc"[..]);
        let mut out = Vec::new();
        r.read_to_end(&mut out).unwrap();
        assert_eq!(h.hex(), sha256_hex(b"abc"));
    }
}
