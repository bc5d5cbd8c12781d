//! Frame decoding alone, for every protocol's message type, against postcard's own serde codec:
//! on arbitrary bytes the hand-written decoder gives postcard's verdict (the same message, the
//! same trailing count, or an error), and what decodes re-encodes to postcard's bytes and back.
#![no_main]

use inflight_core::wire::{self, Message, WireError};
use inflight_core::{deadlock, pipeline, replication, retry, stage, ttl};
use libfuzzer_sys::fuzz_target;
use serde::{de::DeserializeOwned, Serialize};

fn check<T: Message + Serialize + DeserializeOwned + PartialEq + core::fmt::Debug>(data: &[u8]) {
    let theirs = match postcard::take_from_bytes::<T>(data) {
        Ok((msg, [])) => Ok(msg),
        Ok((_, rest)) => Err(WireError::Trailing { extra: rest.len() }),
        Err(_) => Err(WireError::Malformed),
    };
    let ours = wire::decode::<T>(data);
    assert_eq!(ours, theirs, "{data:?}");
    if let Ok(msg) = ours {
        let (mut buf, mut expected) = ([0u8; wire::MAX_FRAME], [0u8; wire::MAX_FRAME]);
        let n = wire::encode(&msg, &mut buf).expect("a decoded message re-encodes").len();
        let m = postcard::to_slice(&msg, &mut expected).expect("postcard encodes it").len();
        assert_eq!(buf[..n], expected[..m]);
        assert_eq!(wire::decode::<T>(&buf[..n]), Ok(msg));
    }
}

fuzz_target!(|data: &[u8]| {
    check::<replication::Msg>(data);
    check::<pipeline::Msg>(data);
    check::<retry::Msg>(data);
    check::<stage::Msg>(data);
    check::<ttl::Msg>(data);
    check::<deadlock::Msg<4>>(data);
    check::<deadlock::Msg<32>>(data);
});
