//! The envelope every value on a remote travels in: magic and layout version, this build's
//! tag, whether it is signed, the unpacked length, the gzip'd payload and (signed) an
//! HMAC-SHA256 over the key and all of that. Opening checks each part before it trusts the
//! next; what fails a check is a [`Reject`], never a panic.

use std::io::Read;

use hmac::{KeyInit, Mac};
use md5::{Digest, Md5};

/// The largest value a remote may hand back (compressed), and the largest it may unpack to.
pub const MAX_VALUE: usize = 64 << 20;

/// What every value starts with (the layout's version is its last byte).
const MAGIC: &[u8; 8] = b"wtfcbrv1";

/// A sealed value's head: magic and layout, build tag, signed flag, unpacked length.
#[cfg_attr(not(feature = "remote"), allow(dead_code))]
pub(crate) const HEAD: usize = 8 + 16 + 1 + 4;

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// Why a value was not used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reject {
    Damaged,
    ForeignBuild,
    Unsigned,
    BadSignature,
}

/// This build's identity as values carry it: a value another build sealed is never opened.
/// Computed once: every value sealed or opened compares it.
fn build_tag() -> [u8; 16] {
    static TAG: std::sync::OnceLock<[u8; 16]> = std::sync::OnceLock::new();
    *TAG.get_or_init(|| {
        let id = format!("{}|{}", env!("CARGO_PKG_VERSION"), env!("WTFCB_BUILD_ID"));
        Md5::digest(id.as_bytes()).into()
    })
}

fn mac(signing_key: &[u8]) -> HmacSha256 {
    <HmacSha256 as KeyInit>::new_from_slice(signing_key)
        .unwrap_or_else(|_| unreachable!("HMAC takes any key length"))
}

fn signed_over(m: &mut HmacSha256, key: &str, body: &[u8]) {
    m.update(&(key.len() as u32).to_le_bytes());
    m.update(key.as_bytes());
    m.update(body);
}

/// The sealed form of `payload` under `key` (signed when there is a signing key).
pub fn seal_bytes(key: &str, payload: &[u8], signing_key: Option<&[u8]>) -> Vec<u8> {
    use std::io::Write;
    let mut out = Vec::with_capacity(payload.len() / 3 + 64);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&build_tag());
    out.push(u8::from(signing_key.is_some()));
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    let mut gz = flate2::write::GzEncoder::new(out, flate2::Compression::fast());
    let _ = gz.write_all(payload);
    let mut out = gz.finish().unwrap_or_default();
    if let Some(k) = signing_key {
        let mut m = mac(k);
        signed_over(&mut m, key, &out);
        let tag: [u8; 32] = m.finalize().into_bytes().into();
        out.extend_from_slice(&tag);
    }
    out
}

/// Whether a value starting with `head` (at least [`HEAD`] bytes) may be one of this build's
/// of at most `limit` bytes unpacked: what is checked before the rest is read.
#[cfg_attr(not(feature = "remote"), allow(dead_code))]
pub(crate) fn plausible_head(head: &[u8], limit: usize) -> bool {
    head.len() >= HEAD
        && &head[..8] == MAGIC
        && head[8..24] == build_tag()
        && head[24] <= 1
        && u32::from_le_bytes([head[25], head[26], head[27], head[28]]) as usize
            <= limit.min(MAX_VALUE)
}

/// The payload of a sealed value, once every check passed. `limit`: the most bytes the value
/// may take, sealed or unpacked (at most [`MAX_VALUE`]).
pub fn open_bytes(
    key: &str,
    sealed: &[u8],
    signing_key: Option<&[u8]>,
    limit: usize,
) -> Result<Vec<u8>, Reject> {
    let limit = limit.min(MAX_VALUE);
    if sealed.len() < HEAD || sealed.len() > limit || &sealed[..8] != MAGIC {
        return Err(Reject::Damaged);
    }
    if sealed[8..24] != build_tag() {
        return Err(Reject::ForeignBuild);
    }
    let signed = match sealed[24] {
        0 => false,
        1 => true,
        _ => return Err(Reject::Damaged),
    };
    let body = match (signing_key, signed) {
        (Some(_), false) => return Err(Reject::Unsigned),
        (Some(k), true) => {
            if sealed.len() < HEAD + 32 {
                return Err(Reject::Damaged);
            }
            let (body, tag) = sealed.split_at(sealed.len() - 32);
            let mut m = mac(k);
            signed_over(&mut m, key, body);
            m.verify_slice(tag).map_err(|_| Reject::BadSignature)?;
            body
        }
        // Without a key a signature cannot be checked; the checksum still is.
        (None, true) => sealed
            .get(..sealed.len().saturating_sub(32))
            .ok_or(Reject::Damaged)?,
        (None, false) => sealed,
    };
    if body.len() < HEAD {
        return Err(Reject::Damaged);
    }
    let len = u32::from_le_bytes([body[25], body[26], body[27], body[28]]) as usize;
    if len > limit {
        return Err(Reject::Damaged);
    }
    // Read straight from the slice (no buffer between) into exactly the announced length,
    // which `limit` bounds; one byte more, or one less, is damage.
    let mut gz = flate2::bufread::GzDecoder::new(&body[HEAD..]);
    let mut payload = vec![0u8; len];
    gz.read_exact(&mut payload).map_err(|_| Reject::Damaged)?;
    match gz.read(&mut [0u8; 1]) {
        Ok(0) => Ok(payload),
        _ => Err(Reject::Damaged),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_sha256_matches_rfc_4231() {
        // Test case 2: key "Jefe", data "what do ya want for nothing?".
        let mut m = mac(b"Jefe");
        m.update(b"what do ya want for nothing?");
        let tag: [u8; 32] = m.finalize().into_bytes().into();
        assert_eq!(
            wtfcb_core::text::hex(&tag),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn sealed_values_open_only_under_their_key_build_and_signature() {
        let payload = b"a result of forty-two bytes, more or less.".to_vec();
        let open = |key: &str, sealed: &[u8], k: Option<&[u8]>| open_bytes(key, sealed, k, 1000);
        let plain = seal_bytes("k1", &payload, None);
        assert_eq!(open("k1", &plain, None).unwrap(), payload);
        // A signing key rejects unsigned values.
        assert_eq!(
            open("k1", &plain, Some(b"s")).unwrap_err(),
            Reject::Unsigned
        );
        let signed = seal_bytes("k1", &payload, Some(b"secret"));
        assert_eq!(open("k1", &signed, Some(b"secret")).unwrap(), payload);
        assert_eq!(
            open("k1", &signed, Some(b"other")).unwrap_err(),
            Reject::BadSignature
        );
        // A signed value copied under another key does not verify there.
        assert_eq!(
            open("k2", &signed, Some(b"secret")).unwrap_err(),
            Reject::BadSignature
        );
        // Every flipped byte and every truncation is rejected, never a panic.
        for at in 0..signed.len() {
            let mut bad = signed.clone();
            bad[at] ^= 0x40;
            assert!(open("k1", &bad, Some(b"secret")).is_err(), "byte {at}");
            assert!(
                open("k1", &signed[..at], Some(b"secret")).is_err(),
                "cut at {at}"
            );
        }
        for at in 0..plain.len() {
            let _ = open("k1", &plain[..at], None);
            let mut bad = plain.clone();
            bad[at] ^= 0x01;
            let _ = open("k1", &bad, None);
        }
        // Another build's value.
        let mut foreign = plain.clone();
        foreign[10] ^= 0xff;
        assert_eq!(
            open("k1", &foreign, None).unwrap_err(),
            Reject::ForeignBuild
        );
    }

    #[test]
    fn values_past_their_limit_are_refused_from_the_head_on() {
        let sealed = seal_bytes("k", b"small", None);
        assert!(open_bytes("k", &sealed, None, sealed.len()).is_ok());
        assert_eq!(
            open_bytes("k", &sealed, None, sealed.len() - 1),
            Err(Reject::Damaged)
        );
        let big = seal_bytes("k", &vec![0u8; 100_000], None);
        assert!(big.len() < 1000);
        assert_eq!(open_bytes("k", &big, None, 50_000), Err(Reject::Damaged));
        assert_eq!(
            open_bytes("k", &big, None, 100_000).map(|p| p.len()),
            Ok(100_000)
        );
        // A length announced one byte short or one byte long of what the body unpacks to.
        for announced in [99_999u32, 100_001] {
            let mut lying = big.clone();
            lying[25..29].copy_from_slice(&announced.to_le_bytes());
            assert_eq!(
                open_bytes("k", &lying, None, 200_000),
                Err(Reject::Damaged),
                "{announced}"
            );
        }
        // The head alone says whether the rest is worth reading.
        assert!(plausible_head(&big, 100_000));
        assert!(!plausible_head(&big, 99_999), "unpacks past the limit");
        assert!(!plausible_head(&[0u8; 64], MAX_VALUE), "garbage");
        let mut foreign = big.clone();
        foreign[12] ^= 1;
        assert!(!plausible_head(&foreign, 100_000), "another build");
    }
}
