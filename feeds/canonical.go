package feeds

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// CanonicalURL returns the form of an article link that newswire publishes
// and derives identities from:
//
//   - resolved against base when relative (base may be nil for absolute links);
//   - scheme and host lower-cased, the default port (:80, :443) dropped;
//   - the fragment dropped;
//   - tracking parameters (utm_*, fbclid, gclid, …; see isTrackingParam)
//     removed, the remaining parameters sorted by name (stable for repeated
//     names), and an empty query dropped with its "?".
//
// Parameters are kept as the feed wrote them, not re-encoded, except that
// bytes a URL may not carry literally (space, controls, non-ASCII) are
// percent-encoded: the result is always plain ASCII.
// "www." and trailing slashes are deliberately left alone. The result must
// be an absolute http or https URL; anything else is an error.
func CanonicalURL(raw string, base *url.URL) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", errors.New("feeds: empty URL")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("feeds: %w", err)
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", errors.New("feeds: not an absolute http or https URL: " + raw)
	}
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if host == "" {
		return "", errors.New("feeds: URL has no host: " + raw)
	}
	if strings.Contains(host, ":") { // IPv6 literal
		host = "[" + host + "]"
	}
	if port != "" && !(u.Scheme == "http" && port == "80") && !(u.Scheme == "https" && port == "443") {
		host += ":" + port
	}
	u.Host = host
	u.Fragment, u.RawFragment = "", ""
	u.RawQuery = cleanQuery(u.RawQuery)
	u.ForceQuery = false
	out := u.String()
	// url.Parse accepts some hosts (such as "::") that it rejects once
	// bracketed; a canonical URL must parse again.
	if _, err := url.Parse(out); err != nil {
		return "", fmt.Errorf("feeds: %w", err)
	}
	return out, nil
}

// cleanQuery drops empty and tracking parameters from a raw query and sorts
// the rest by (decoded) name, keeping the feed's order among equal names.
func cleanQuery(raw string) string {
	if raw == "" {
		return ""
	}
	type param struct{ name, raw string }
	var kept []param
	for piece := range strings.SplitSeq(raw, "&") {
		if piece == "" {
			continue
		}
		piece = escapeNonASCII(piece)
		rawName, rawValue, _ := strings.Cut(piece, "=")
		name, err := url.QueryUnescape(rawName)
		if err != nil {
			name = rawName
		}
		if isTrackingParam(name) || isFeedMarker(name, rawValue) {
			continue
		}
		kept = append(kept, param{name: name, raw: piece})
	}
	slices.SortStableFunc(kept, func(a, b param) int { return strings.Compare(a.name, b.name) })
	parts := make([]string, len(kept))
	for i, p := range kept {
		parts[i] = p.raw
	}
	return strings.Join(parts, "&")
}

// escapeNonASCII percent-encodes the bytes of a raw query piece that may
// not appear in a URL as such (controls, space, non-ASCII), as String does
// for the path, so that a canonical URL is always plain ASCII.
func escapeNonASCII(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xf])
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// isTrackingParam reports whether a query parameter only attributes a click
// (campaign, ad click id, newsletter, share source) and never selects
// content. Matching is case-insensitive.
func isTrackingParam(name string) bool {
	name = strings.ToLower(name)
	if strings.HasPrefix(name, "utm_") {
		return true
	}
	switch name {
	case "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "ttclid", "li_fat_id",
		"igshid", "igsh", "mc_cid", "mc_eid", "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok", "oly_anon_id",
		"oly_enc_id", "vero_id", "rb_clickid", "s_cid", "wt.mc_id", "wt_mc_id",
		"at_medium", "at_campaign", "at_custom1", "at_custom2", "at_custom3", "at_custom4",
		"at_link", "at_link_id", "at_link_origin", "at_link_type", "at_format", "at_ptr_name",
		"cmpid", "ocid", "ns_mchannel", "ns_source", "ns_campaign", "ns_linkname", "ns_fee",
		"__twitter_impression", "smid", "ref", "ref_src", "ref_url", "rss":
		return true
	}
	return false
}

// isFeedMarker reports parameters that only say the visitor came from a
// feed (src=rss, partner=rss, …): harmless to drop, but their names are too
// generic to drop whatever their value.
func isFeedMarker(name, value string) bool {
	switch strings.ToLower(name) {
	case "src", "source", "partner", "from", "emc", "feed", "via":
		switch strings.ToLower(value) {
		case "rss", "rss2", "feed", "feeds", "atom", "feedburner", "newsfeed":
			return true
		}
	}
	return false
}
