package near

import (
	"reflect"
	"testing"
)

func TestReadLink(t *testing.T) {
	for _, c := range []struct {
		link   string
		kind   Kind
		number bool
	}{
		{"https://www.nbcnews.com/now/video/thirteen-israeli-hostages-released-198664261531", Video, true},
		{"https://www.theguardian.com/us-news/live/2023/jul/20/trump-testimony-live", Live, false},
		{"https://www.aljazeera.com/gallery/2023/9/4/photos-roads-turned-into-rivers?traffic_source=rss", Gallery, false},
		{"https://thehill.com/newsletters/defense-national-security/4329839-hostages-leave-gaza", Newsletter, true},
		// A slug that begins with a kind's word is an article about it.
		{"https://www.newsweek.com/video-armed-man-shooting-robber-taqueria-1772096", Article, true},
		// Ids of letters and digits are not article numbers.
		{"https://example.com/news/18eef3d152744c58-6991", Article, false},
		{"https://www.nbcnews.com/news/world/missing-radioactive-capsule-found-australia-rcna68529", Article, false},
		{"https://www.espn.com/nfl/story/_/id/38799432/jets-rodgers", Article, true},
		// Dates are not article numbers.
		{"https://example.com/news/20231128/some-story", Article, false},
		{"https://www.theguardian.com/world/2023/apr/10/dalai-lama-apologises", Article, false},
		{"not a link", Article, false},
	} {
		f := readLink(c.link)
		if f.kind != c.kind || (f.id != 0) != c.number {
			t.Errorf("readLink(%q) = kind %v, number %v; want %v, %v", c.link, f.kind, f.id != 0, c.kind, c.number)
		}
	}
	// One publisher on two domains, one article under an edited slug.
	a := readLink("https://tvn24.pl/poznan/sulow-padly-strzaly-uderzyl-w-radiowoz-chcial-rozjechac-policjantow-zostal-zatrzymany-6857525?source=rss")
	b := readLink("https://tvn24.pl/poznan/sulow-padly-strzaly-uderzyl-w-radiowoz-chcial-rozjechac-policjantow-6857525?source=rss")
	if a.id == 0 || a.id != b.id {
		t.Errorf("edited slug: ids %x and %x, want equal", a.id, b.id)
	}
	uk, com := readLink("https://www.bbc.co.uk/news/world-europe-64142651"), readLink("https://www.bbc.com/news/world-europe-64142651")
	if uk.site != com.site || uk.id != com.id {
		t.Errorf("bbc.co.uk and bbc.com: %+v and %+v, want one site and article", uk, com)
	}
	if other := readLink("https://www.cnn.com/news/world-europe-64142651"); other.id == uk.id || other.site == uk.site {
		t.Errorf("another publisher's number: %+v, want another site and id than %+v", other, uk)
	}
}

// unquoted is the text of s outside its quotations, stretch by stretch.
func unquoted(s string) []string {
	var out []string
	for _, seg := range quoteSegments(s) {
		if !seg.quoted {
			out = append(out, seg.text)
		}
	}
	return out
}

func TestUnquoted(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{`Rubio said "they attacked him" on Monday`, []string{"Rubio said ", " on Monday"}},
		{"EA: “We are aware it isn’t performing,” a tweet reads.", []string{"EA: ", " a tweet reads."}},
		{"Premier: „Nie ma zgody” – powiedział.", []string{"Premier: ", " – powiedział."}},
		{"'Last night one of our canvassers was attacked,' Rubio said.", []string{" Rubio said."}},
		{"The council ‘regrets’ the decision", []string{"The council ", " the decision"}},
		// Apostrophes and an opening mark never closed are text.
		{"It isn’t over, Biden’s aides say", []string{"It isn’t over, Biden’s aides say"}},
		{`An unclosed "quote runs on`, []string{`An unclosed "quote runs on`}},
	} {
		if got := unquoted(c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("unquoted(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestKinds(t *testing.T) {
	article := SignLinked("Sam Altman joins Microsoft to lead new AI project after OpenAI ouster", wireSummary,
		"https://www.nbcnews.com/business/business-news/sam-altman-joins-microsoft-openai-ouster-rcna125940")
	video := SignLinked("Sam Altman joins Microsoft to lead new AI project after OpenAI ouster", wireSummary,
		"https://www.nbcnews.com/video/sam-altman-joins-microsoft-after-openai-ouster-198285381755")
	if same, rule := DefaultParams().Decide(Compare(article, video)); same || rule != "article against video" {
		t.Errorf("article and its video: %v by %q, want different by kind", same, rule)
	}
	briefing := Sign("First Thing: US and Iran expected to complete $6bn prisoner swap deal",
		"Prisoners to be swapped. Plus, has the economy peaked? Good morning. The US and Iran are expected to pull off a swap.")
	if briefing.Kind != Newsletter {
		t.Errorf("a summary that greets its reader: kind %v, want newsletter", briefing.Kind)
	}
	if gma := Sign("Perry died of ketamine", "Good Morning America reports the autopsy."); gma.Kind != Article {
		t.Errorf("a programme's name: kind %v, want article", gma.Kind)
	}
	if live := Sign("Watch live: Georgia judge to consider requests to sever cases", ""); live.Kind != Live {
		t.Errorf("watch live: kind %v, want live coverage", live.Kind)
	}
}

func TestPublisherRule(t *testing.T) {
	const site = "https://www.wsj.com/articles/"
	a := SignLinked("Wordle 902 answer and hints for Sunday", "Today's puzzle is a tricky one.", site+"wordle-a")
	b := SignLinked("Wordle 903 answer and hints for Sunday", "A five-letter word for a bird.", site+"wordle-b")
	if same, rule := DefaultParams().Decide(Compare(a, b)); same {
		t.Errorf("a daily series of one publisher: same by %q, want different (the numbers differ)", rule)
	}
	c := SignLinked("Ultralong-Range Electric Cars Are Arriving", "Battery makers promise 600 miles.", site+"ev-range-a")
	d := SignLinked("Ultralong-Range Electric Cars Are Arriving. Say Goodbye to Charging Stops", "The new models.", site+"ev-range-b")
	if same, rule := DefaultParams().Decide(Compare(c, d)); !same || rule != "publisher" {
		t.Errorf("one publisher's headline in two feeds: %v by %q, want same by publisher", same, rule)
	}
	// A number a site gives a whole section is no evidence without words.
	f := SignLinked("Council approves the city budget", "The vote was 7-2.", "https://paper.example/local/204518/council-budget")
	g := SignLinked("Storm closes the port for two days", "Ships wait in the bay.", "https://paper.example/local/204518/port-storm")
	if same, rule := DefaultParams().Decide(Compare(f, g)); same {
		t.Errorf("two stories under one section number: same by %q", rule)
	}
	e := SignLinked("Ultralong-Range Electric Cars Are Arriving", "Battery makers promise 600 miles.", "https://www.nytimes.com/ev")
	if same, rule := DefaultParams().Decide(Compare(d, e)); same {
		t.Errorf("two publishers' headlines: same by %q, want the publisher rule not to apply", rule)
	}
}
