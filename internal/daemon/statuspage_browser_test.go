package daemon

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromium returns the path of a Chromium or Chrome binary, or skips the
// test when there is none — unless NEWSWIRE_BROWSER_TESTS=1 (CI), where a
// missing browser fails it.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("NEWSWIRE_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("NEWSWIRE_BROWSER_TESTS") == "1" {
		t.Fatal("NEWSWIRE_BROWSER_TESTS=1 but no chromium binary found (install it with .ci/install-browser or set NEWSWIRE_CHROMIUM)")
	}
	t.Skip("no chromium binary found: browser test skipped (install it with .ci/install-browser; NEWSWIRE_BROWSER_TESTS=1 makes this a failure)")
	return ""
}

// The status page in a real headless Chromium against a real daemon: the
// feeds table (failing feed first, with its error), a topic plot, the
// stages, the search box filtering rows as one types, and the live tail
// showing an article published while the page is open.
func TestStatusPageBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a daemon and a browser")
	}
	exe := chromium(t)
	feeds := newTestFeeds(t)
	td := startTestDaemon(t, threeFeeds(feeds.URL))
	td.polledAndTagged(t)

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.Headless, chromedp.DisableGPU,
		chromedp.WindowSize(1400, 1000))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancelBrowser := chromedp.NewContext(allocCtx, chromedp.WithLogf(t.Logf))
	defer cancelBrowser()
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()

	// run runs an action, failing the test with what it was for.
	run := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	eval := func(what, js string) []string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](js))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
	text := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return v
	}

	run("load /", chromedp.Navigate(td.base+"/"), chromedp.WaitVisible(chromedp.CSS(`#feeds-table`)))
	if order := eval("feed rows", `Array.from(document.querySelectorAll('#feeds-table tr.feed')).map(r => r.dataset.feed)`); strings.Join(order, " ") != "broken mirror world" {
		t.Errorf("feed rows %v, want broken (failing) first, then mirror, world", order)
	}
	if got := text(`#feeds-table tr.feed td.err`); !strings.Contains(got, "HTTP 500 Internal Server Error") {
		t.Errorf("first row's error = %q, want the broken feed's 500", got)
	}
	if plots := eval("plots", `Array.from(document.querySelectorAll('#topics-table tr')).filter(r => r.querySelector('svg.bars rect')).map(r => r.dataset.topic)`); len(plots) == 0 {
		t.Error("no topic plot (svg.bars) on the page")
	}
	if got := text(`#stages-table tr[data-stage="dedupe"]`); !strings.Contains(got, "dedupes and tags") || !strings.Contains(got, "yes") {
		t.Errorf("the story stage's row = %q, want it running here", got)
	}

	// Typing filters the rows at once, without a request.
	run("type into the filter", chromedp.SendKeys(chromedp.CSS(`#feed-filter`), "MIRR"))
	visible := eval("visible rows", `Array.from(document.querySelectorAll('#feeds-table tr.feed')).filter(r => !r.hidden).map(r => r.dataset.feed)`)
	if count := text(`#feed-count`); strings.Join(visible, " ") != "mirror" || count != "1" {
		t.Errorf("after typing MIRR: rows %v (count %q), want mirror only", visible, count)
	}

	// The live tail of ceasefire shows an article published meanwhile.
	eval("choose a topic", `(() => { const s = document.getElementById('tail-topic'); s.value = 'ceasefire'; s.dispatchEvent(new Event('change')); return []; })()`)
	run("open the tail", chromedp.WaitReady(chromedp.CSS(`#tail-status[data-ready="ceasefire"]`)))
	const title = "Ceasefire holds for a third day"
	feeds.add(testItem{"w9", title, "https://news.example/world/holds", "The ceasefire held for a third day, the monitors said."})
	run("wait for the tailed article", chromedp.WaitVisible(chromedp.CSS(`#tail-rows li.tail-article`)))
	if tailed := text(`#tail-rows`); !strings.Contains(tailed, title) || !strings.Contains(tailed, "world") {
		t.Errorf("tail shows %q, want %q from world", tailed, title)
	}

	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	dir := t.TempDir()
	if d := os.Getenv("NEWSWIRE_SCREENSHOT_DIR"); d != "" {
		dir = d // kept after the test
	}
	path := filepath.Join(dir, "status-page.png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}
