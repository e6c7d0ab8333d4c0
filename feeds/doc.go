// Package feeds is newswire's domain: the Article every stage exchanges, and
// everything needed to turn a feed URL into Articles.
//
// The data flow for one poll of one feed is:
//
//	FetchRequest{URL, ETag, LastModified}
//	     │  Fetcher.Fetch: our own HTTP client — conditional GET; gzip, br and
//	     │  deflate decoded by us so MaxBody counts decoded bytes; ≤ 5
//	     │  redirects, loops refused, credentials kept to their host; timeout;
//	     │  private addresses refused at dial time unless AllowHosts lists
//	     │  them; typed *FetchError
//	     ▼
//	FetchResult{Body, ETag, LastModified, ContentType, PermanentURL,
//	     │       CacheMaxAge, Expires, …}            (NotModified → stop)
//	     │  FeedHints(Body): RSS ttl, skipHours, skipDays for the scheduler
//	     │  ParseBody: to UTF-8 (BOM, else XML declaration, else Content-Type
//	     │  charset, else a guess; bad bytes dropped), not_feed for empty
//	     │  bodies and HTML, structure guard (depth, namespaces, text
//	     │  fragments) against inputs that exhaust gofeed, then Parse (gofeed
//	     │  on an io.Reader, panics recovered, errors classed parse / not_feed)
//	     │  ParseNew: the same checks, then a byte scan cuts out the items
//	     │  whose hashes (remembered from the last poll) are known, and
//	     │  gofeed parses only the rest, its long item texts lifted out and
//	     │  decoded by us as gofeed decodes them; it returns every item's hash
//	     ▼
//	*gofeed.Feed
//	     │  Normalise: CanonicalURL, PlainText title and summary, UTC dates,
//	     │  ArticleID (stable across polls and restarts)
//	     ▼
//	[]Article (schema newswire.article.v1) → published by the worker
//
// ContentHash and NormaliseForHash are the fingerprints the dedupe stage
// computes; they live here so that every stage hashes text the same way.
//
// feeds imports nothing of newswire's own: worker, pipeline and cmd depend on
// it, never the other way round. It holds no package-level mutable state;
// every function is safe for concurrent use, and so is a *Fetcher.
package feeds
