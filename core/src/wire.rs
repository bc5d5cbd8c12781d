//! The wire format on nodes: every protocol's messages as postcard frames.
//!
//! The format is [postcard](https://docs.rs/postcard)'s: unsigned integers wider than a byte as
//! LEB128 varints, `u8` and `bool` as one byte, an enum as its variant's index (a varint)
//! followed by its fields in order, a fixed-size array as its elements, no field names, no
//! lengths. A frame is exactly one encoded message; [`decode`] rejects trailing bytes, so a frame
//! that was truncated, padded or concatenated with another is an error rather than a silently
//! different message. Decoding never panics on any input (tested with proptest and cargo-fuzz),
//! and nothing here allocates.
//!
//! The encoding of each message is written out by hand ([`Message`]) rather than derived through
//! serde. On a microcontroller serde's generic visitors cost about 6.8 KB of flash for the six
//! protocols; these functions cost a fraction of that. They produce exactly postcard's bytes and
//! accept exactly what postcard accepts: the tests compare both ways against the postcard crate,
//! on arbitrary messages and on arbitrary and mutated frames. A node can therefore talk to a
//! peer that uses postcard with serde.
//!
//! | protocol | variant index: fields |
//! |---|---|
//! | replication | 0 `Append`: seq u32, value u32 · 1 `Ack`: through u32 |
//! | pipeline | 0 `Data`: seq u32, value u32 · 1 `Ack`: through u32 |
//! | retry | 0 `Request` · 1 `Done` · 2 `Busy` · 3 `Unavailable`: each seq u16 |
//! | stage | 0 `Job`: id u32, work 4 × u32 · 1 `Done`: id u32 |
//! | ttl | 0 `Query`: seq u32 · 1 `Answer`: seq u32, version u32, value u32 · 2 `Subscribe` · 3 `Push`: version u32, value u32 |
//! | deadlock | 0 `Request`: seq u16, op (0 acquire / 1 release, resource u8) · 1 `Cancel`: seq u16 · 2 `Reply`: seq u16, outcome (0 granted / 1 released / 2 cancelled) · 3 `Report`: version u16, P rows u32 · 4 `Confirm`: round u16, version u16, P rows u32 · 5 `Confirmation`: round u16, ok bool · 6 `Resolve`: round u16 |
//!
//! A wait-for row is a bit set of the processes its process waits for; a row with a bit at or
//! above P is malformed.
//!
//! # A node's receive path
//!
//! A frame arrives (from a radio, a UART, a mailbox fed by an interrupt); the node decodes it,
//! hands the message to its machine, and the machine's effects sink encodes what it sends
//! straight into an outgoing frame. `firmware/src/net.rs` is a complete host of this kind, with a
//! timer table and a link interrupt; this is the smallest one:
//!
//! ```
//! use inflight_core::replication::{AckPolicy, Config, Event, Fault, Msg, Node, Timer};
//! use inflight_core::wire::{self, MAX_FRAME};
//! use inflight_core::{Effects, Instant, Machine, NodeId};
//!
//! /// One outgoing frame; a real node would queue it on its link.
//! struct Out {
//!     to: Option<NodeId>,
//!     frame: [u8; MAX_FRAME],
//!     len: usize,
//! }
//!
//! impl Effects<Node<8>> for Out {
//!     fn send(&mut self, to: NodeId, msg: Msg) {
//!         // MAX_FRAME always suffices, so encoding cannot fail here.
//!         self.len = wire::encode(&msg, &mut self.frame).map_or(0, |f| f.len());
//!         self.to = Some(to);
//!     }
//!     fn set_timer(&mut self, _: Timer, _: Instant) {} // a timer table on a real node
//!     fn cancel_timer(&mut self, _: Timer) {}
//!     fn emit(&mut self, _: Event) {} // to the application
//!     fn random(&mut self, _: u32) {} // replication draws nothing
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let config =
//!     Config { replicas: 1, window: 1, policy: AckPolicy::All, rto: None, fault: Fault::None };
//! let mut replica = Node::<8>::group(config)?.nth(1).ok_or("no replica")?;
//! let primary = NodeId(0);
//!
//! // Write 1 with value 42, as the primary's node encoded it: tag 0, seq 1, value 42.
//! let frame = [0x00, 0x01, 0x2a];
//! let msg: Msg = wire::decode(&frame)?;
//! let mut out = Out { to: None, frame: [0; MAX_FRAME], len: 0 };
//! replica.on_message(Instant(5), primary, msg, &mut out)?;
//!
//! // The replica stored it and acknowledges it to the primary.
//! assert_eq!(out.to, Some(primary));
//! assert_eq!(wire::decode::<Msg>(&out.frame[..out.len])?, Msg::Ack { through: 1 });
//!
//! // Bytes that are not a message are an error before the machine sees them.
//! assert!(wire::decode::<Msg>(&[0x07]).is_err());
//! # Ok(())
//! # }
//! ```

use crate::deadlock::{self, Op, Outcome, WaitFor};
use crate::{pipeline, replication, retry, stage, ttl};
use core::fmt;

/// The largest frame any protocol of this crate produces, in bytes (a deadlock report of 32
/// processes: 32 rows of up to 5 varint bytes, plus tag and version). Buffers of this size
/// always suffice for [`encode`].
pub const MAX_FRAME: usize = 176;

/// Why a frame could not be encoded or decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
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

/// A message that travels in a frame: its postcard encoding, written out.
pub trait Message: Sized {
    /// Appends the message's encoding.
    fn write(&self, w: &mut Writer<'_>) -> Result<(), WireError>;
    /// Reads one message from the front of `r` (what follows is the caller's business).
    fn read(r: &mut Reader<'_>) -> Result<Self, WireError>;
}

/// Encodes `msg` into `buf`, returning the frame (a prefix of `buf`). On
/// [`WireError::BufferFull`] the buffer holds part of a frame.
pub fn encode<'a, T: Message>(msg: &T, buf: &'a mut [u8]) -> Result<&'a mut [u8], WireError> {
    let mut w = Writer { buf, len: 0 };
    msg.write(&mut w)?;
    Ok(w.finish())
}

/// Decodes one frame: exactly one message and nothing after it.
pub fn decode<T: Message>(frame: &[u8]) -> Result<T, WireError> {
    let mut r = Reader { rest: frame };
    let msg = T::read(&mut r)?;
    match r.rest.len() {
        0 => Ok(msg),
        extra => Err(WireError::Trailing { extra }),
    }
}

/// Writes postcard's encoding of primitive values into a buffer.
pub struct Writer<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl<'a> Writer<'a> {
    /// One byte, as postcard writes a `u8`.
    pub fn u8(&mut self, b: u8) -> Result<(), WireError> {
        let slot = self.buf.get_mut(self.len).ok_or(WireError::BufferFull)?;
        *slot = b;
        self.len += 1;
        Ok(())
    }

    /// A LEB128 varint: seven bits a byte, least significant first, the top bit set on every
    /// byte but the last. Postcard writes `u16`, `u32` and enum variant indices so (no message
    /// here has a wider integer).
    pub fn varint(&mut self, mut v: u32) -> Result<(), WireError> {
        loop {
            let low = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                return self.u8(low);
            }
            self.u8(low | 0x80)?;
        }
    }

    /// A `u16`.
    pub fn u16(&mut self, v: u16) -> Result<(), WireError> {
        self.varint(v.into())
    }

    /// A `u32`, or an enum's variant index.
    pub fn u32(&mut self, v: u32) -> Result<(), WireError> {
        self.varint(v)
    }

    /// A `bool`: 0 or 1.
    pub fn bool(&mut self, v: bool) -> Result<(), WireError> {
        self.u8(v as u8)
    }

    /// The bytes written so far.
    fn finish(self) -> &'a mut [u8] {
        let len = self.len;
        self.buf.get_mut(..len).unwrap_or_default()
    }
}

/// Reads postcard's encoding of primitive values from the front of a frame, with postcard's
/// rules: a varint may take at most as many bytes as its type needs, and its last byte may
/// not carry bits beyond the type's width.
pub struct Reader<'a> {
    rest: &'a [u8],
}

impl Reader<'_> {
    /// One byte.
    pub fn u8(&mut self) -> Result<u8, WireError> {
        let (&b, rest) = self.rest.split_first().ok_or(WireError::Malformed)?;
        self.rest = rest;
        Ok(b)
    }

    /// A varint of a type `bits` wide (16 or 32): at most ⌈bits/7⌉ bytes. In 32-bit arithmetic,
    /// which a Cortex-M does natively (the 64-bit version cost 140 B more flash).
    fn varint(&mut self, bits: u32) -> Result<u32, WireError> {
        let mut out = 0u32;
        let mut shift = 0;
        loop {
            let b = self.u8()?;
            out |= u32::from(b & 0x7f) << shift;
            shift += 7;
            if b & 0x80 == 0 {
                // The last byte may carry no bits beyond the type's width.
                let beyond = shift > bits && u32::from(b) >> (bits + 7 - shift) != 0;
                return if beyond { Err(WireError::Malformed) } else { Ok(out) };
            }
            if shift >= bits {
                return Err(WireError::Malformed);
            }
        }
    }

    /// A `u16`.
    pub fn u16(&mut self) -> Result<u16, WireError> {
        self.varint(16).map(|v| v as u16)
    }

    /// A `u32`, or an enum's variant index.
    pub fn u32(&mut self) -> Result<u32, WireError> {
        self.varint(32)
    }

    /// A `bool`: 0 or 1, anything else is malformed.
    pub fn bool(&mut self) -> Result<bool, WireError> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(WireError::Malformed),
        }
    }
}

/// Replication and pipelining share a message shape: 0 a numbered value (`seq`, `value`),
/// 1 a cumulative acknowledgement (`through`).
macro_rules! numbered_and_ack {
    ($msg:path, $data:ident) => {
        impl Message for $msg {
            fn write(&self, w: &mut Writer<'_>) -> Result<(), WireError> {
                use $msg as M;
                match *self {
                    M::$data { seq, value } => {
                        w.u32(0)?;
                        w.u32(seq)?;
                        w.u32(value)
                    }
                    M::Ack { through } => {
                        w.u32(1)?;
                        w.u32(through)
                    }
                }
            }

            fn read(r: &mut Reader<'_>) -> Result<Self, WireError> {
                use $msg as M;
                match r.u32()? {
                    0 => Ok(M::$data { seq: r.u32()?, value: r.u32()? }),
                    1 => Ok(M::Ack { through: r.u32()? }),
                    _ => Err(WireError::Malformed),
                }
            }
        }
    };
}

numbered_and_ack!(replication::Msg, Append);
numbered_and_ack!(pipeline::Msg, Data);

impl Message for retry::Msg {
    fn write(&self, w: &mut Writer<'_>) -> Result<(), WireError> {
        use retry::Msg::*;
        let (tag, seq) = match *self {
            Request { seq } => (0, seq),
            Done { seq } => (1, seq),
            Busy { seq } => (2, seq),
            Unavailable { seq } => (3, seq),
        };
        w.u32(tag)?;
        w.u16(seq)
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, WireError> {
        use retry::Msg::*;
        let tag = r.u32()?;
        if tag > 3 {
            return Err(WireError::Malformed);
        }
        let seq = r.u16()?;
        Ok(match tag {
            0 => Request { seq },
            1 => Done { seq },
            2 => Busy { seq },
            _ => Unavailable { seq },
        })
    }
}

impl Message for stage::Msg {
    fn write(&self, w: &mut Writer<'_>) -> Result<(), WireError> {
        match *self {
            stage::Msg::Job { id, work } => {
                w.u32(0)?;
                w.u32(id)?;
                work.iter().try_for_each(|&x| w.u32(x))
            }
            stage::Msg::Done { id } => {
                w.u32(1)?;
                w.u32(id)
            }
        }
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, WireError> {
        match r.u32()? {
            0 => {
                let id = r.u32()?;
                let mut work = [0; stage::MAX_STAGES];
                for x in &mut work {
                    *x = r.u32()?;
                }
                Ok(stage::Msg::Job { id, work })
            }
            1 => Ok(stage::Msg::Done { id: r.u32()? }),
            _ => Err(WireError::Malformed),
        }
    }
}

impl Message for ttl::Record {
    fn write(&self, w: &mut Writer<'_>) -> Result<(), WireError> {
        w.u32(self.version)?;
        w.u32(self.value)
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, WireError> {
        Ok(ttl::Record { version: r.u32()?, value: r.u32()? })
    }
}

impl Message for ttl::Msg {
    fn write(&self, w: &mut Writer<'_>) -> Result<(), WireError> {
        use ttl::Msg::*;
        match self {
            Query { seq } => {
                w.u32(0)?;
                w.u32(*seq)
            }
            Answer { seq, record } => {
                w.u32(1)?;
                w.u32(*seq)?;
                record.write(w)
            }
            Subscribe => w.u32(2),
            Push { record } => {
                w.u32(3)?;
                record.write(w)
            }
        }
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, WireError> {
        use ttl::Msg::*;
        match r.u32()? {
            0 => Ok(Query { seq: r.u32()? }),
            1 => Ok(Answer { seq: r.u32()?, record: ttl::Record::read(r)? }),
            2 => Ok(Subscribe),
            3 => Ok(Push { record: ttl::Record::read(r)? }),
            _ => Err(WireError::Malformed),
        }
    }
}

impl<const P: usize> Message for WaitFor<P> {
    fn write(&self, w: &mut Writer<'_>) -> Result<(), WireError> {
        self.rows().iter().try_for_each(|&row| w.u32(row))
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let mut rows = [0; P];
        for row in &mut rows {
            *row = r.u32()?;
        }
        WaitFor::from_rows(rows).ok_or(WireError::Malformed)
    }
}

impl<const P: usize> Message for deadlock::Msg<P> {
    fn write(&self, w: &mut Writer<'_>) -> Result<(), WireError> {
        use deadlock::Msg::*;
        match self {
            Request { seq, op } => {
                w.u32(0)?;
                w.u16(*seq)?;
                let (tag, resource) = match *op {
                    Op::Acquire(r) => (0, r),
                    Op::Release(r) => (1, r),
                };
                w.u32(tag)?;
                w.u8(resource)
            }
            Cancel { seq } => {
                w.u32(1)?;
                w.u16(*seq)
            }
            Reply { seq, outcome } => {
                w.u32(2)?;
                w.u16(*seq)?;
                w.u32(match outcome {
                    Outcome::Granted => 0,
                    Outcome::Released => 1,
                    Outcome::Cancelled => 2,
                })
            }
            Report { version, edges } => {
                w.u32(3)?;
                w.u16(*version)?;
                edges.write(w)
            }
            Confirm { round, version, edges } => {
                w.u32(4)?;
                w.u16(*round)?;
                w.u16(*version)?;
                edges.write(w)
            }
            Confirmation { round, ok } => {
                w.u32(5)?;
                w.u16(*round)?;
                w.bool(*ok)
            }
            Resolve { round } => {
                w.u32(6)?;
                w.u16(*round)
            }
        }
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, WireError> {
        use deadlock::Msg::*;
        match r.u32()? {
            0 => {
                let seq = r.u16()?;
                let op = match r.u32()? {
                    0 => Op::Acquire(r.u8()?),
                    1 => Op::Release(r.u8()?),
                    _ => return Err(WireError::Malformed),
                };
                Ok(Request { seq, op })
            }
            1 => Ok(Cancel { seq: r.u16()? }),
            2 => {
                let seq = r.u16()?;
                let outcome = match r.u32()? {
                    0 => Outcome::Granted,
                    1 => Outcome::Released,
                    2 => Outcome::Cancelled,
                    _ => return Err(WireError::Malformed),
                };
                Ok(Reply { seq, outcome })
            }
            3 => Ok(Report { version: r.u16()?, edges: WaitFor::read(r)? }),
            4 => Ok(Confirm { round: r.u16()?, version: r.u16()?, edges: WaitFor::read(r)? }),
            5 => Ok(Confirmation { round: r.u16()?, ok: r.bool()? }),
            6 => Ok(Resolve { round: r.u16()? }),
            _ => Err(WireError::Malformed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde::de::DeserializeOwned;
    use serde::Serialize;

    /// What postcard's serde decoder makes of `frame`, in this module's terms.
    fn postcard_decode<T: DeserializeOwned>(frame: &[u8]) -> Result<T, WireError> {
        match postcard::take_from_bytes::<T>(frame) {
            Ok((msg, [])) => Ok(msg),
            Ok((_, rest)) => Err(WireError::Trailing { extra: rest.len() }),
            Err(_) => Err(WireError::Malformed),
        }
    }

    /// The hand-written codec agrees with postcard's serde codec on `msg`: the same bytes, and
    /// the same verdict on every prefix of them and on them with a byte appended.
    fn same_as_postcard<T>(msg: &T)
    where
        T: Message + Serialize + DeserializeOwned + PartialEq + fmt::Debug,
    {
        let (mut ours, mut theirs) = ([0u8; MAX_FRAME + 1], [0u8; MAX_FRAME + 1]);
        let n = encode(msg, &mut ours).expect("fits").len();
        let m = postcard::to_slice(msg, &mut theirs).expect("fits").len();
        assert_eq!(ours[..n], theirs[..m], "{msg:?}");
        for k in 0..=n + 1 {
            assert_eq!(decode::<T>(&ours[..k]), postcard_decode::<T>(&ours[..k]), "{msg:?} {k}");
        }
    }

    /// The hand-written decoder gives the same verdict as postcard's on `bytes`.
    fn decodes_as_postcard<T>(bytes: &[u8])
    where
        T: Message + DeserializeOwned + PartialEq + fmt::Debug,
    {
        assert_eq!(decode::<T>(bytes), postcard_decode::<T>(bytes), "{bytes:?}");
    }

    fn round_trip<T>(msg: T)
    where
        T: Message + Serialize + DeserializeOwned + PartialEq + fmt::Debug,
    {
        same_as_postcard(&msg);
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

    fn decode_any<T>(bytes: &[u8]) -> bool
    where
        T: Message + Serialize + DeserializeOwned + PartialEq + fmt::Debug,
    {
        decodes_as_postcard::<T>(bytes);
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

    #[test]
    fn varints_at_their_boundaries_match_postcard() {
        for v in [0, 1, 127, 128, 255, 256, 16_383, 16_384, u16::MAX as u32, 1 << 21, 1 << 28] {
            round_trip(replication::Msg::Append { seq: v, value: u32::MAX - v });
            round_trip(retry::Msg::Done { seq: v as u16 });
        }
        // Over-long and over-wide varints: what postcard refuses, the codec refuses.
        for bytes in [
            &[0x01, 0x80, 0x80, 0x04][..], // u16 seq of 3 bytes whose last is > 3
            &[0x01, 0xff, 0xff, 0x03],     // u16::MAX, the widest allowed
            &[0x01, 0x80, 0x00],           // a non-minimal but allowed 0
            &[0x00, 0xff, 0xff, 0xff, 0xff, 0x10, 0x00], // u32 seq whose 5th byte is > 15
            &[0x00, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00], // u32::MAX, then value 0
            &[0x80, 0x80, 0x80, 0x80, 0x80, 0x00], // a tag of 6 bytes
        ] {
            decodes_as_postcard::<retry::Msg>(bytes);
            decodes_as_postcard::<replication::Msg>(bytes);
            decodes_as_postcard::<deadlock::Msg<4>>(bytes);
        }
    }

    fn any_wait_for<const P: usize>() -> impl Strategy<Value = WaitFor<P>> {
        proptest::collection::vec(any::<u32>(), P).prop_map(|v| {
            let mut rows = [0u32; P];
            for (row, bits) in rows.iter_mut().zip(v) {
                *row = if P >= 32 { bits } else { bits & ((1 << P) - 1) };
            }
            WaitFor::from_rows(rows).expect("masked to P processes")
        })
    }

    fn any_deadlock<const P: usize>() -> impl Strategy<Value = deadlock::Msg<P>> {
        use deadlock::Msg as D;
        prop_oneof![
            (any::<u16>(), any::<bool>(), any::<u8>()).prop_map(|(seq, acquire, r)| D::Request {
                seq,
                op: if acquire { Op::Acquire(r) } else { Op::Release(r) }
            }),
            any::<u16>().prop_map(|seq| D::Cancel { seq }),
            (any::<u16>(), 0..3u8).prop_map(|(seq, o)| D::Reply {
                seq,
                outcome: [Outcome::Granted, Outcome::Released, Outcome::Cancelled][o as usize]
            }),
            (any::<u16>(), any_wait_for::<P>())
                .prop_map(|(version, edges)| D::Report { version, edges }),
            (any::<u16>(), any::<u16>(), any_wait_for::<P>())
                .prop_map(|(round, version, edges)| D::Confirm { round, version, edges }),
            (any::<u16>(), any::<bool>()).prop_map(|(round, ok)| D::Confirmation { round, ok }),
            any::<u16>().prop_map(|round| D::Resolve { round }),
        ]
    }

    /// `msg`'s frame with one byte replaced, with one byte's continuation bit flipped, and with
    /// a byte inserted: the codec's verdict on each equals postcard's.
    fn mutated<T>(msg: &T, at: usize, byte: u8)
    where
        T: Message + Serialize + DeserializeOwned + PartialEq + fmt::Debug,
    {
        same_as_postcard(msg);
        let mut buf = [0u8; MAX_FRAME + 1];
        let n = encode(msg, &mut buf).expect("fits").len();
        let k = at % n;
        let mut replaced = buf;
        replaced[k] = byte;
        decodes_as_postcard::<T>(&replaced[..n]);
        let mut flipped = buf;
        flipped[k] ^= 0x80;
        decodes_as_postcard::<T>(&flipped[..n]);
        let mut inserted = [0u8; MAX_FRAME + 1];
        inserted[..k].copy_from_slice(&buf[..k]);
        inserted[k] = byte;
        inserted[k + 1..=n].copy_from_slice(&buf[k..n]);
        decodes_as_postcard::<T>(&inserted[..=n]);
    }

    proptest::proptest! {
        #![proptest_config(ProptestConfig { cases: 1024, ..Default::default() })]

        /// Every protocol's arbitrary messages: the codec writes postcard's bytes, and reads
        /// mutated frames exactly as postcard does.
        #[test]
        fn the_codec_is_postcard_on_arbitrary_and_mutated_frames(
            a in any::<u32>(), b in any::<u32>(), c in any::<u16>(), t in 0..4u8,
            work in any::<[u32; stage::MAX_STAGES]>(),
            d4 in any_deadlock::<4>(), d32 in any_deadlock::<32>(),
            at in any::<usize>(), byte in any::<u8>(),
        ) {
            let record = ttl::Record { version: a, value: b };
            let ttl = [
                ttl::Msg::Query { seq: a },
                ttl::Msg::Answer { seq: b, record },
                ttl::Msg::Subscribe,
                ttl::Msg::Push { record },
            ][t as usize];
            let retry = [
                retry::Msg::Request { seq: c },
                retry::Msg::Done { seq: c },
                retry::Msg::Busy { seq: c },
                retry::Msg::Unavailable { seq: c },
            ][t as usize];
            mutated(&replication::Msg::Append { seq: a, value: b }, at, byte);
            mutated(&replication::Msg::Ack { through: a }, at, byte);
            mutated(&pipeline::Msg::Data { seq: a, value: b }, at, byte);
            mutated(&pipeline::Msg::Ack { through: b }, at, byte);
            mutated(&retry, at, byte);
            mutated(&stage::Msg::Job { id: a, work }, at, byte);
            mutated(&stage::Msg::Done { id: b }, at, byte);
            mutated(&ttl, at, byte);
            mutated(&d4, at, byte);
            mutated(&d32, at, byte);
        }
    }
}
