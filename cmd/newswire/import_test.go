package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

func TestFeedsImportThousands(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	config := writeFile(t, dir, "newswire.yaml", "feeds:\n  - id: one\n    url: https://one.example/rss\n")
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><opml version="2.0"><head><title>big</title></head><body>`)
	const n = 5000
	for i := 0; i < n; i++ {
		if i%100 == 0 {
			fmt.Fprintf(&b, `<outline text="Folder %d"><outline text="Sub %d">`, i/100, i/100)
		}
		fmt.Fprintf(&b, `<outline type="rss" text="Feed %d" xmlUrl="https://news%d.example/feed.xml"/>`, i, i)
		if i%100 == 99 {
			b.WriteString(`</outline></outline>`)
		}
	}
	// Already configured (over http), and a URL deriving a taken id.
	b.WriteString(`<outline type="rss" text="One" xmlUrl="http://one.example/rss"/>`)
	b.WriteString(`<outline type="rss" text="Two" xmlUrl="https://news7.example/feed-xml"/>`)
	b.WriteString(`</body></opml>`)
	opml := writeFile(t, dir, "big.opml", b.String())

	code, _, stderr := cli(t, "feeds", "--config", config, "import", opml)
	if code != 0 {
		t.Fatalf("import: exit %d\n%s", code, stderr)
	}
	for _, want := range []string{
		`skipped http://one.example/rss: already configured as "one"`,
		"added https://news7.example/feed-xml as news7-example-feed-xml-2: id news7-example-feed-xml is taken",
		fmt.Sprintf("imported %d of %d feeds (1 skipped)\n", n+1, n+2),
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, "\r") {
		t.Errorf("progress written to a non-terminal: %q", stderr)
	}
	code, stdout, _ := cli(t, "feeds", "--config", config, "list")
	if lines := strings.Count(stdout, "\n"); code != 0 || lines != 1+n+2 {
		t.Errorf("list: exit %d, %d lines, want a header and %d feeds", code, lines, n+2)
	}
}

func TestProgressOnTerminal(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	p := &progress{w: &buf, format: "imported %d/%d feeds", tty: true}
	p.update(1, 3)
	p.update(2, 3) // within 100ms of the last: not drawn
	p.update(3, 3) // the last always is
	p.clear()
	want := "\rimported 1/3 feeds\rimported 3/3 feeds\r" + strings.Repeat(" ", len("imported 3/3 feeds")) + "\r"
	if got := buf.String(); got != want {
		t.Errorf("wrote %q, want %q", got, want)
	}
	buf.Reset()
	p = newProgress(&buf, "%d/%d") // a buffer is no terminal
	p.update(3, 3)
	p.clear()
	if buf.Len() != 0 {
		t.Errorf("wrote %q to a non-terminal", buf.String())
	}
}

// Bad outlines are skipped and reported; the good ones are imported.
func TestFeedsImportSkipsBadOutlines(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	config := writeFile(t, dir, "newswire.yaml", "feeds:\n  - id: one\n    url: https://one.example/rss\n")
	opml := writeFile(t, dir, "mixed.opml", `<?xml version="1.0"?><opml version="2.0"><head><title>mixed</title></head><body>
<outline text="News">
  <outline type="rss" text="Good" xmlUrl="https://good.example/rss"/>
  <outline type="rss" text="No URL"/>
  <outline type="rss" text="FTP" xmlUrl="ftp://files.example/feed"/>
</outline>
<outline type="rss" title="Relative" text="r" xmlUrl="/feed.xml"/>
<outline type="atom" text="Also good" xmlUrl="https://also.example/atom"/>
</body></opml>`)
	code, stdout, stderr := cli(t, "feeds", "--config", config, "import", opml)
	if code != 0 {
		t.Fatalf("import: exit %d\n%s", code, stderr)
	}
	for _, want := range []string{
		"skipped outline 3 (No URL): type \"rss\" outline without xmlUrl\n",
		"skipped outline 4 (FTP): invalid feed URL \"ftp://files.example/feed\": want an absolute http or https URL\n",
		"skipped outline 5 (Relative): invalid feed URL \"/feed.xml\"",
		"imported 2 of 5 feeds (3 skipped)\n",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if stdout != "" {
		t.Errorf("stdout %q, want nothing", stdout)
	}
	_, list, _ := cli(t, "feeds", "--config", config, "list")
	if !strings.Contains(list, "good.example") || !strings.Contains(list, "also.example") {
		t.Errorf("list after import:\n%s", list)
	}

	// Nothing usable: exit 1, the config untouched.
	bad := writeFile(t, dir, "bad.opml", `<opml version="2.0"><body><outline type="rss" text="x"/></body></opml>`)
	code, _, stderr = cli(t, "feeds", "--config", config, "import", bad)
	if code != 1 || !strings.Contains(stderr, "skipped outline 1 (x)") || !strings.Contains(stderr, "no feed to import") {
		t.Errorf("import of only bad outlines: exit %d, stderr %q; want 1", code, stderr)
	}
}
