//! The runtime without a protocol: the link, the mailboxes, the main loop and semihosting,
//! driving a trivial echo machine. Per-protocol flash figures are measured against this image.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use inflight_core::wire::{Message, Reader, WireError, Writer};
use inflight_core::{Effects, Instant, Machine, NodeId};
use inflight_firmware::{host, net, net::Link, stack};

/// Node 0 sends a counter to node 1, which echoes it back, 20 times.
struct Echo(u32);

/// The counter on the wire: one varint.
struct Count(u32);

impl Message for Count {
    fn write(&self, w: &mut Writer<'_>) -> Result<(), WireError> {
        w.u32(self.0)
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, WireError> {
        r.u32().map(Count)
    }
}

impl Machine for Echo {
    type Msg = Count;
    type Cmd = ();
    type Timer = ();
    type Event = u32;
    type CmdError = ();
    type MsgError = ();
    type Durable = ();
    fn on_start(&mut self, _: Instant, _: &mut impl Effects<Self>) {}
    fn on_command(&mut self, _: Instant, _: (), out: &mut impl Effects<Self>) -> Result<(), ()> {
        out.send(NodeId(1), Count(0));
        Ok(())
    }
    fn on_message(
        &mut self,
        _: Instant,
        from: NodeId,
        Count(n): Count,
        out: &mut impl Effects<Self>,
    ) -> Result<(), ()> {
        self.0 = n;
        out.emit(n);
        if n < 20 {
            out.send(from, Count(n + 1));
        }
        Ok(())
    }
    fn on_timer(&mut self, _: Instant, _: (), _: &mut impl Effects<Self>) {}
    fn durable(&self) {}
    fn recover(_: (), _: Instant, _: &mut impl Effects<Self>) -> Self {
        Echo(0)
    }
}

struct W(bool, u32);

impl net::Workload<Echo> for W {
    fn next(&mut self, _: Instant, _: &[Echo]) -> Option<(usize, ())> {
        (!self.0).then_some((0, ()))
    }
    fn result(&mut self, accepted: bool) {
        self.0 |= accepted;
    }
    fn event(&mut self, _: Instant, _: usize, e: &u32) {
        self.1 = *e;
    }
    fn done(&self, _: &[Echo]) -> bool {
        self.1 == 20
    }
}

#[entry]
fn main() -> ! {
    let Some(mut link) = Link::take() else { host::exit(false) };
    let Some(group) = cortex_m::singleton!(: net::Group<Echo, 2> = net::Group::new(0)) else {
        host::exit(false)
    };
    let ok = group.push(Echo(0)).is_ok() && group.push(Echo(0)).is_ok();
    let ok = ok && net::run(&mut link, group, &mut W(false, 0), Instant(1_000)).is_ok();
    host::field("stack_bytes", stack::high_water());
    host::print("\n");
    host::exit(ok)
}
