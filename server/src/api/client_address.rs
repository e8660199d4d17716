//! The address a request comes from, for throttles kept per client: the TCP peer, or, when the
//! peer is one of the `--trusted-proxies`, the address those proxies say they serve.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use ipnet::IpNet;
use poem::Request;

/// The right-most `X-Forwarded-For` entry that is not a trusted proxy: each proxy appends the
/// address it was connected from, so entries to the right of the first untrusted one were
/// written by our proxies and anything to its left by whoever the client is (forgeable). A
/// request from an untrusted peer is that peer, whatever its headers say.
pub fn client_address(req: &Request, trusted_proxies: &[IpNet]) -> IpAddr {
    let trusted = |ip: &IpAddr| trusted_proxies.iter().any(|net| net.contains(ip));
    let mut nearest = match req.remote_addr().as_socket_addr() {
        Some(peer) => peer.ip().to_canonical(),
        // Not a TCP peer (never, behind this server's listener): one shared unknown address.
        None => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
    };
    if !trusted(&nearest) {
        return nearest;
    }
    let forwarded: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .flat_map(|value| value.to_str().unwrap_or("?").split(','))
        .collect();
    for hop in forwarded.iter().rev() {
        let Some(hop) = parse_hop(hop) else {
            // Garbage written by one of our proxies: that proxy is as far as we can tell.
            return nearest;
        };
        if !trusted(&hop) {
            return hop;
        }
        nearest = hop;
    }
    // Proxies all the way (or no header): the farthest of them is the client.
    nearest
}

/// An address, as proxies write them: `192.0.2.1`, `2001:db8::1`, or with a port.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    hop.parse::<IpAddr>()
        .or_else(|_| hop.parse::<SocketAddr>().map(|addr| addr.ip()))
        .ok()
        .map(|ip| ip.to_canonical())
}
