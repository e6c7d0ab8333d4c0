package feeds

import (
	"context"
	"net"
	"net/netip"
	"strings"
)

// RefusedAddr reports whether a Fetcher without AllowPrivate, with
// allowHosts as its FetcherOptions.AllowHosts, would refuse to connect to
// host (an IP literal, or a name it resolves with ctx's deadline): it
// returns the first address refused, and why ("private", "loopback", …),
// or ok false. A lookup failure is returned as an error. It is for
// `newswire check`, which warns before the poller fails.
func RefusedAddr(ctx context.Context, host string, allowHosts []string) (addr netip.Addr, kind string, refused bool, err error) {
	allow := newAllowList(allowHosts)
	host = strings.Trim(host, "[]")
	if allow.hasName(host) {
		return netip.Addr{}, "", false, nil
	}
	addrs := []netip.Addr{}
	if a, perr := netip.ParseAddr(host); perr == nil {
		addrs = append(addrs, a)
	} else {
		addrs, err = net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		if err != nil {
			return netip.Addr{}, "", false, err
		}
	}
	for _, a := range addrs {
		if !isPublicAddr(a) && !allow.hasAddr(a) {
			return a.Unmap(), addrKind(a), true, nil
		}
	}
	return netip.Addr{}, "", false, nil
}
