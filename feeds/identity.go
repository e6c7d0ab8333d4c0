package feeds

import (
	"net/url"
	"strings"
)

// URLIdentity folds a canonical URL (see CanonicalURL) further, into the
// key under which two links are taken for the same page: http and https,
// "www." and the mobile hosts "m." and "mobile.", a trailing slash, and the
// AMP variants (an "amp." host, a trailing "/amp" segment, ?amp=1 or
// ?outputType=amp) all fold together. The result identifies; it is not a
// link to publish (the folded host may not serve the page). A URL that does
// not parse is returned as it is.
func URLIdentity(canonical string) string {
	u, err := url.Parse(canonical)
	if err != nil || u.Host == "" {
		return canonical
	}
	u.Scheme = "https"
	host := u.Host
	for _, prefix := range []string{"www.", "amp.", "m.", "mobile."} {
		if rest, ok := strings.CutPrefix(host, prefix); ok && strings.Contains(rest, ".") {
			host = rest
			break
		}
	}
	u.Host = host
	path := u.EscapedPath()
	path = strings.TrimSuffix(path, "/")
	path = strings.TrimSuffix(path, "/amp")
	path = strings.TrimSuffix(path, ".amp")
	if path == "" {
		path = "/"
	}
	u.RawPath, u.Path = "", ""
	if q := dropAMPParams(u.RawQuery); q != "" {
		return u.Scheme + "://" + u.Host + path + "?" + q
	}
	return u.Scheme + "://" + u.Host + path
}

func dropAMPParams(raw string) string {
	if raw == "" {
		return ""
	}
	var kept []string
	for piece := range strings.SplitSeq(raw, "&") {
		name, value, _ := strings.Cut(piece, "=")
		switch {
		case strings.EqualFold(name, "amp") && (value == "" || value == "1" || strings.EqualFold(value, "true")):
		case strings.EqualFold(name, "outputType") && strings.EqualFold(value, "amp"):
		default:
			kept = append(kept, piece)
		}
	}
	return strings.Join(kept, "&")
}
