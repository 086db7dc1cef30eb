//! The few libc functions, structures and constants the shim needs, declared
//! by hand: crates.io is not reachable, so there is no `libc` crate. Values are
//! those of Linux on x86_64 and aarch64 (the generic ioctl encoding).

#![allow(non_camel_case_types)]

use core::ffi::{c_char, c_int, c_long, c_short, c_uint, c_ulong, c_void};

pub type size_t = usize;
pub type ssize_t = isize;
pub type off_t = i64;
pub type socklen_t = u32;

extern "C" {
    pub fn sched_setaffinity(pid: c_int, cpusetsize: size_t, mask: *const u64) -> c_int;
    pub fn open(path: *const c_char, flags: c_int, ...) -> c_int;
    pub fn close(fd: c_int) -> c_int;
    pub fn read(fd: c_int, buf: *mut c_void, count: size_t) -> ssize_t;
    pub fn write(fd: c_int, buf: *const c_void, count: size_t) -> ssize_t;
    pub fn ioctl(fd: c_int, request: c_ulong, ...) -> c_int;
    pub fn poll(fds: *mut pollfd, nfds: c_ulong, timeout: c_int) -> c_int;
    pub fn mmap(
        addr: *mut c_void,
        len: size_t,
        prot: c_int,
        flags: c_int,
        fd: c_int,
        offset: off_t,
    ) -> *mut c_void;
    pub fn munmap(addr: *mut c_void, len: size_t) -> c_int;
    pub fn socket(domain: c_int, ty: c_int, protocol: c_int) -> c_int;
    pub fn bind(fd: c_int, addr: *const c_void, len: socklen_t) -> c_int;
    pub fn setsockopt(
        fd: c_int,
        level: c_int,
        name: c_int,
        value: *const c_void,
        len: socklen_t,
    ) -> c_int;
    pub fn getsockopt(
        fd: c_int,
        level: c_int,
        name: c_int,
        value: *mut c_void,
        len: *mut socklen_t,
    ) -> c_int;
    pub fn sendto(
        fd: c_int,
        buf: *const c_void,
        len: size_t,
        flags: c_int,
        addr: *const c_void,
        addrlen: socklen_t,
    ) -> ssize_t;
    pub fn eventfd(initval: c_uint, flags: c_int) -> c_int;
    pub fn if_nametoindex(name: *const c_char) -> c_uint;
    pub fn __errno_location() -> *mut c_int;
    pub fn strerror(errnum: c_int) -> *const c_char;
}

/// The calling thread's errno.
pub fn errno() -> i32 {
    // SAFETY: glibc's errno location is valid for the calling thread.
    unsafe { *__errno_location() }
}

#[repr(C)]
pub struct pollfd {
    pub fd: c_int,
    pub events: c_short,
    pub revents: c_short,
}

/// `struct ifreq`: a name and a 24-byte union (flags, MTU, address, hwaddr).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ifreq {
    pub ifr_name: [u8; IFNAMSIZ],
    pub ifr_ifru: [u8; 24],
}

impl ifreq {
    pub fn named(name: &[u8]) -> ifreq {
        let mut r = ifreq {
            ifr_name: [0; IFNAMSIZ],
            ifr_ifru: [0; 24],
        };
        r.ifr_name[..name.len()].copy_from_slice(name);
        r
    }
    pub fn set_short(&mut self, v: i16) {
        self.ifr_ifru[..2].copy_from_slice(&v.to_ne_bytes());
    }
    pub fn short(&self) -> i16 {
        i16::from_ne_bytes([self.ifr_ifru[0], self.ifr_ifru[1]])
    }
    pub fn int(&self) -> i32 {
        i32::from_ne_bytes([
            self.ifr_ifru[0],
            self.ifr_ifru[1],
            self.ifr_ifru[2],
            self.ifr_ifru[3],
        ])
    }
    /// Stores a `struct sockaddr_in` (family, port 0, address in network order).
    pub fn set_inet(&mut self, addr_be: u32) {
        self.ifr_ifru = [0; 24];
        self.ifr_ifru[..2].copy_from_slice(&(AF_INET as u16).to_ne_bytes());
        self.ifr_ifru[4..8].copy_from_slice(&addr_be.to_be_bytes());
    }
}

/// `struct sockaddr_ll`.
#[repr(C)]
pub struct sockaddr_ll {
    pub sll_family: u16,
    pub sll_protocol: u16,
    pub sll_ifindex: i32,
    pub sll_hatype: u16,
    pub sll_pkttype: u8,
    pub sll_halen: u8,
    pub sll_addr: [u8; 8],
}

/// `struct tpacket_req`.
#[repr(C)]
pub struct tpacket_req {
    pub tp_block_size: c_uint,
    pub tp_block_nr: c_uint,
    pub tp_frame_size: c_uint,
    pub tp_frame_nr: c_uint,
}

/// `struct tpacket2_hdr`: the head of each TPACKET_V2 ring frame.
#[repr(C)]
pub struct tpacket2_hdr {
    pub tp_status: u32,
    pub tp_len: u32,
    pub tp_snaplen: u32,
    pub tp_mac: u16,
    pub tp_net: u16,
    pub tp_sec: u32,
    pub tp_nsec: u32,
    pub tp_vlan_tci: u16,
    pub tp_vlan_tpid: u16,
    pub tp_padding: [u8; 4],
}

/// `struct tpacket_stats`.
#[repr(C)]
pub struct tpacket_stats {
    pub tp_packets: c_uint,
    pub tp_drops: c_uint,
}

/// `struct virtio_net_hdr` (the 10-byte form TAP uses with IFF_VNET_HDR).
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct virtio_net_hdr {
    pub flags: u8,
    pub gso_type: u8,
    pub hdr_len: u16,
    pub gso_size: u16,
    pub csum_start: u16,
    pub csum_offset: u16,
}

pub const IFNAMSIZ: usize = 16;

pub const O_RDWR: c_int = 0o2;
pub const O_NONBLOCK: c_int = 0o4000;
pub const O_CLOEXEC: c_int = 0o2000000;

pub const EAGAIN: i32 = 11;
pub const EINTR: i32 = 4;
pub const EPERM: i32 = 1;
pub const EACCES: i32 = 13;
pub const ENOENT: i32 = 2;
pub const ENODEV: i32 = 19;
pub const ENXIO: i32 = 6;
pub const EBUSY: i32 = 16;
pub const EINVAL: i32 = 22;
pub const ENOBUFS: i32 = 105;
pub const ENETDOWN: i32 = 100;
pub const EBADFD: i32 = 77;
pub const EIO: i32 = 5;

pub const POLLIN: c_short = 0x001;
pub const POLLERR: c_short = 0x008;
pub const POLLHUP: c_short = 0x010;
pub const POLLNVAL: c_short = 0x020;

pub const PROT_READ: c_int = 1;
pub const PROT_WRITE: c_int = 2;
pub const MAP_SHARED: c_int = 0x01;
pub const MAP_PRIVATE: c_int = 0x02;
pub const MAP_ANONYMOUS: c_int = 0x20;
pub const MAP_LOCKED: c_int = 0x2000;
pub const MAP_POPULATE: c_int = 0x8000;
pub const MAP_FIXED: c_int = 0x10;
pub const MAP_NORESERVE: c_int = 0x4000;
pub const MAP_FAILED: *mut c_void = !0usize as *mut c_void;

pub const AF_INET: c_int = 2;
pub const AF_PACKET: c_int = 17;
pub const SOCK_DGRAM: c_int = 2;
pub const SOCK_RAW: c_int = 3;
pub const SOCK_CLOEXEC: c_int = 0o2000000;
pub const SOCK_NONBLOCK: c_int = 0o4000;
pub const ETH_P_ALL: u16 = 0x0003;
pub const MSG_DONTWAIT: c_int = 0x40;

pub const EFD_CLOEXEC: c_int = 0o2000000;
pub const EFD_NONBLOCK: c_int = 0o4000;

// <linux/if_tun.h>
pub const IFF_UP: i16 = 0x1;
pub const IFF_TAP: i16 = 0x0002;
pub const IFF_NO_PI: i16 = 0x1000;
pub const IFF_VNET_HDR: i16 = 0x4000;
pub const IFF_MULTI_QUEUE: i16 = 0x0100;
pub const TUNSETIFF: c_ulong = 0x4004_54ca;
pub const TUNSETOFFLOAD: c_ulong = 0x4004_54d0;
pub const TUNSETVNETHDRSZ: c_ulong = 0x4004_54d8;
pub const TUN_F_CSUM: c_ulong = 0x01;
pub const TUN_F_TSO4: c_ulong = 0x02;

// <linux/virtio_net.h>
pub const VIRTIO_NET_HDR_F_NEEDS_CSUM: u8 = 1;
pub const VIRTIO_NET_HDR_F_DATA_VALID: u8 = 2;
pub const VIRTIO_NET_HDR_GSO_NONE: u8 = 0;
pub const VIRTIO_NET_HDR_GSO_TCPV4: u8 = 1;

// <linux/sockios.h>
pub const SIOCGIFFLAGS: c_ulong = 0x8913;
pub const SIOCSIFFLAGS: c_ulong = 0x8914;
pub const SIOCSIFADDR: c_ulong = 0x8916;
pub const SIOCSIFNETMASK: c_ulong = 0x891c;
pub const SIOCGIFMTU: c_ulong = 0x8921;
pub const SIOCGIFTXQLEN: c_ulong = 0x8942;
pub const SIOCSIFTXQLEN: c_ulong = 0x8943;
pub const SIOCGIFHWADDR: c_ulong = 0x8927;

// <linux/if_packet.h>
pub const SOL_SOCKET: c_int = 1;
pub const SO_ERROR: c_int = 4;
pub const SOL_PACKET: c_int = 263;
pub const PACKET_RX_RING: c_int = 5;
pub const PACKET_STATISTICS: c_int = 6;
pub const PACKET_VERSION: c_int = 10;
pub const PACKET_TX_RING: c_int = 13;
pub const PACKET_TX_HAS_OFF: c_int = 19;
pub const PACKET_QDISC_BYPASS: c_int = 20;
pub const PACKET_IGNORE_OUTGOING: c_int = 23;
pub const TPACKET_V2: c_int = 1;
pub const TP_STATUS_KERNEL: u32 = 0;
pub const TP_STATUS_USER: u32 = 1 << 0;
pub const TP_STATUS_COPY: u32 = 1 << 1;
pub const TP_STATUS_CSUMNOTREADY: u32 = 1 << 3;
pub const TP_STATUS_CSUM_VALID: u32 = 1 << 7;
pub const TP_STATUS_AVAILABLE: u32 = 0;
pub const TP_STATUS_SEND_REQUEST: u32 = 1 << 0;
pub const TP_STATUS_SENDING: u32 = 1 << 1;
pub const TP_STATUS_WRONG_FORMAT: u32 = 1 << 2;
/// TPACKET_ALIGNMENT.
pub const TPACKET_ALIGNMENT: usize = 16;

pub fn tpacket_align(x: usize) -> usize {
    (x + TPACKET_ALIGNMENT - 1) & !(TPACKET_ALIGNMENT - 1)
}

pub type c_long_t = c_long;
