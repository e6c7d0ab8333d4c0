package tag

import (
	"slices"
	"testing"

	"github.com/newswire/newswire/pipeline/tag/tagtest"
)

func TestTokens(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", []string{}},
		{"  -- ", []string{}},
		{"Cease-Fire", []string{"cease", "fire"}},
		{"cease  fire", []string{"cease", "fire"}},
		{"CEASEFIRE!", []string{"ceasefire"}},
		{"prisoner's swap", []string{"prisoners", "swap"}},
		{"West’s sanctions", []string{"wests", "sanctions"}},
		{"coup d'état", []string{"coup", "detat"}},
		{"Trêve à Gaza", []string{"treve", "a", "gaza"}},
		{"Straßenkampf", []string{"strassenkampf"}},
		{"ÖLEMBARGO", []string{"olembargo"}},
		{"Łódź", []string{"lodz"}},
		{"ПЕРЕМИРИЕ в Газе", []string{"перемирие", "в", "газе"}},
		{"Санкций", []string{"санкции"}}, // й loses its breve
		{"перемир'я", []string{"перемиря"}},
		{"перемирʼя", []string{"перемиря"}}, // U+02BC apostrophe
		{"ﬁre", []string{"fire"}},           // NFKC ligature
		{"ＧＡＺＡ", []string{"gaza"}},          // NFKC full width
		{"U.S.-led", []string{"u", "s", "led"}},
		{"72-hour truce", []string{"72", "hour", "truce"}},
	}
	for _, tt := range tests {
		got := Tokens(tt.in)
		if !slices.Equal(got, tt.want) {
			t.Errorf("Tokens(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParsePhrase(t *testing.T) {
	tests := []struct {
		in      string
		want    phraseKey
		wantErr bool
	}{
		{in: "Cease-Fire", want: phraseKey{tokens: "cease fire"}},
		{in: "sanction*", want: phraseKey{tokens: "sanction", prefix: true}},
		{in: " u.s. sanction* ", want: phraseKey{tokens: "u s sanction", prefix: true}},
		{in: "санкци*", want: phraseKey{tokens: "санкци", prefix: true}},
		{in: "sa*", wantErr: true},
		{in: "sanc*tion", wantErr: true},
		{in: "--", wantErr: true},
		{in: "*", wantErr: true},
	}
	for _, tt := range tests {
		got, err := parsePhrase(tt.in)
		if (err != "") != tt.wantErr {
			t.Errorf("parsePhrase(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if got != tt.want {
			t.Errorf("parsePhrase(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func BenchmarkTokens(b *testing.B) {
	text := tagtest.Article(4096)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		Tokens(text)
	}
}
