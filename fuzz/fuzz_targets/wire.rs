//! Frame decoding alone, for every protocol's message type: arbitrary bytes decode to an error
//! or to a message that encodes and decodes back to itself.
#![no_main]

use inflight_core::{deadlock, pipeline, replication, retry, stage, ttl, wire};
use libfuzzer_sys::fuzz_target;
use serde::{de::DeserializeOwned, Serialize};

fn check<T: Serialize + DeserializeOwned + PartialEq + core::fmt::Debug>(data: &[u8]) {
    if let Ok(msg) = wire::decode::<T>(data) {
        let mut buf = [0u8; wire::MAX_FRAME];
        let n = wire::encode(&msg, &mut buf).expect("a decoded message re-encodes").len();
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
