//! The wire format on nodes: every protocol's messages as postcard frames.
//!
//! [postcard](https://docs.rs/postcard) is a compact, `no_std`, allocation-free serde format:
//! varint integers, one varint tag per enum variant, no field names. A frame is exactly one
//! encoded message; [`decode`] rejects trailing bytes, so a frame that was truncated, padded or
//! concatenated with another is an error rather than a silently different message. Decoding
//! never panics on any input (tested with proptest and cargo-fuzz), and nothing here allocates.

use core::fmt;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// The largest frame any protocol of this crate produces, in bytes (a deadlock report of 32
/// processes: 32 rows of up to 5 varint bytes, plus tag and version). Buffers of this size
/// always suffice for [`encode`].
pub const MAX_FRAME: usize = 176;

/// Why a frame could not be encoded or decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WireError {
    /// The buffer is too small for the encoded message.
    BufferFull,
    /// The bytes are not a message of this protocol (bad tag, bad varint, too short, a value
    /// out of range such as a wait-for row naming a process that does not exist).
    Malformed,
    /// A whole message was decoded but `extra` bytes followed it.
    Trailing {
        /// How many bytes were left over.
        extra: usize,
    },
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WireError::BufferFull => f.write_str("the frame does not fit in the buffer"),
            WireError::Malformed => f.write_str("not a well-formed message"),
            WireError::Trailing { extra } => write!(f, "{extra} bytes after the message"),
        }
    }
}

impl core::error::Error for WireError {}

/// Encodes `msg` into `buf`, returning the frame (a prefix of `buf`).
pub fn encode<'a, T: Serialize>(msg: &T, buf: &'a mut [u8]) -> Result<&'a mut [u8], WireError> {
    postcard::to_slice(msg, buf).map_err(|e| match e {
        postcard::Error::SerializeBufferFull => WireError::BufferFull,
        _ => WireError::Malformed,
    })
}

/// Decodes one frame: exactly one message and nothing after it.
pub fn decode<T: DeserializeOwned>(frame: &[u8]) -> Result<T, WireError> {
    let (msg, rest) = postcard::take_from_bytes(frame).map_err(|_| WireError::Malformed)?;
    if rest.is_empty() {
        Ok(msg)
    } else {
        Err(WireError::Trailing { extra: rest.len() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{deadlock, pipeline, replication, retry, stage, ttl};

    fn round_trip<T: Serialize + DeserializeOwned + PartialEq + fmt::Debug>(msg: T) {
        let mut buf = [0u8; MAX_FRAME];
        let frame = encode(&msg, &mut buf).expect("fits");
        let n = frame.len();
        assert_eq!(decode::<T>(&buf[..n]), Ok(msg));
        if n > 0 {
            assert!(decode::<T>(&buf[..n - 1]).is_err(), "a truncated frame is an error");
        }
        let mut padded = [0u8; MAX_FRAME + 1];
        padded[..n].copy_from_slice(&buf[..n]);
        assert_eq!(decode::<T>(&padded[..n + 1]), Err(WireError::Trailing { extra: 1 }));
    }

    #[test]
    fn the_largest_message_fits_max_frame_and_a_small_buffer_is_an_error() {
        let mut full = deadlock::WaitFor::<32>::new();
        for p in 0..32u8 {
            for q in 0..32u8 {
                if p != q {
                    full.add(p, q).expect("in range");
                }
            }
        }
        let msg = deadlock::Msg::<32>::Confirm { round: u16::MAX, version: u16::MAX, edges: full };
        let mut buf = [0u8; MAX_FRAME];
        let n = encode(&msg, &mut buf).expect("fits").len();
        assert!(n <= MAX_FRAME, "{n}");
        let mut small = [0u8; 4];
        assert_eq!(encode(&msg, &mut small).map(|_| ()), Err(WireError::BufferFull));
    }

    #[test]
    fn every_message_of_every_protocol_round_trips() {
        use replication::Msg as R;
        for m in [
            R::Append { seq: 1, value: 7 },
            R::Append { seq: u32::MAX, value: 0 },
            R::Ack { through: 3 },
        ] {
            round_trip(m);
        }
        use pipeline::Msg as P;
        for m in [P::Data { seq: 9, value: 1 }, P::Ack { through: 0 }] {
            round_trip(m);
        }
        use retry::Msg as T;
        for m in [
            T::Request { seq: 1 },
            T::Done { seq: 2 },
            T::Busy { seq: 3 },
            T::Unavailable { seq: u16::MAX },
        ] {
            round_trip(m);
        }
        use stage::Msg as S;
        for m in [S::Job { id: 4, work: [1, 2, 3, u32::MAX] }, S::Done { id: 4 }] {
            round_trip(m);
        }
        use ttl::Msg as L;
        let record = ttl::Record { version: 5, value: 6 };
        for m in
            [L::Query { seq: 1 }, L::Answer { seq: 1, record }, L::Subscribe, L::Push { record }]
        {
            round_trip(m);
        }
        use deadlock::{Msg as D, Op, Outcome};
        let mut edges = deadlock::WaitFor::<4>::new();
        edges.add(0, 3).expect("in range");
        edges.add(3, 1).expect("in range");
        for m in [
            D::Request { seq: 1, op: Op::Acquire(2) },
            D::Request { seq: 2, op: Op::Release(0) },
            D::Cancel { seq: 3 },
            D::Reply { seq: 4, outcome: Outcome::Granted },
            D::Reply { seq: 4, outcome: Outcome::Released },
            D::Reply { seq: 4, outcome: Outcome::Cancelled },
            D::Report { version: 9, edges },
            D::Confirm { round: 2, version: 9, edges },
            D::Confirmation { round: 2, ok: true },
            D::Resolve { round: 2 },
        ] {
            round_trip(m);
        }
    }

    #[test]
    fn a_wait_for_row_naming_a_missing_process_is_malformed() {
        // Report { version: 1, edges: [0b10000, 0, 0, 0] } for P = 4: process 4 does not exist.
        let mut good = [0u8; MAX_FRAME];
        let mut g = deadlock::WaitFor::<4>::new();
        g.add(0, 1).expect("in range");
        let frame =
            encode(&deadlock::Msg::<4>::Report { version: 1, edges: g }, &mut good).expect("fits");
        let n = frame.len();
        let mut bad = good;
        let row = bad[..n].iter().position(|&b| b == 0b10).expect("row 0");
        bad[row] = 0b1_0000;
        assert_eq!(decode::<deadlock::Msg<4>>(&bad[..n]), Err(WireError::Malformed));
    }

    fn decode_any<T: Serialize + DeserializeOwned + PartialEq + fmt::Debug>(bytes: &[u8]) -> bool {
        match decode::<T>(bytes) {
            Ok(msg) => {
                let mut buf = [0u8; MAX_FRAME];
                let n = encode(&msg, &mut buf).expect("a decoded message re-encodes").len();
                assert_eq!(decode::<T>(&buf[..n]), Ok(msg));
                true
            }
            Err(_) => false,
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 2048, ..Default::default() })]

        /// Arbitrary bytes decode to an error or to a message that round-trips; never a panic.
        #[test]
        fn arbitrary_bytes_never_panic_and_what_decodes_round_trips(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200)
        ) {
            decode_any::<replication::Msg>(&bytes);
            decode_any::<pipeline::Msg>(&bytes);
            decode_any::<retry::Msg>(&bytes);
            decode_any::<stage::Msg>(&bytes);
            decode_any::<ttl::Msg>(&bytes);
            decode_any::<deadlock::Msg<4>>(&bytes);
            decode_any::<deadlock::Msg<32>>(&bytes);
        }

        /// Messages with arbitrary field values round-trip.
        #[test]
        fn arbitrary_field_values_round_trip(a in 0u32.., b in 0u32.., c in 0u16.., d in 0u16..16) {
            round_trip(replication::Msg::Append { seq: a, value: b });
            round_trip(pipeline::Msg::Data { seq: a, value: b });
            round_trip(retry::Msg::Busy { seq: c });
            round_trip(stage::Msg::Job { id: a, work: [b, a, b, a] });
            round_trip(ttl::Msg::Answer { seq: a, record: ttl::Record { version: b, value: a } });
            let mut g = deadlock::WaitFor::<16>::new();
            g.add((d % 16) as u8, ((d + 1) % 16) as u8).expect("in range");
            round_trip(deadlock::Msg::<16>::Confirm { round: c, version: c, edges: g });
        }
    }
}
