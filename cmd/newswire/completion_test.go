package main

import (
	"os/exec"
	"strings"
	"testing"
)

func TestCompletionScripts(t *testing.T) {
	t.Parallel()
	code, bash, stderr := cli(t, "completion", "bash")
	if code != 0 {
		t.Fatalf("completion bash: exit %d: %s", code, stderr)
	}
	for _, c := range commands() {
		if !strings.Contains(bash, " "+c.name+" ") && !strings.Contains(bash, " "+c.name+"\"") {
			t.Errorf("bash script lacks the command %s", c.name)
		}
	}
	for _, want := range []string{
		`feeds) verbs="list add remove poll import export"; flags="--config --id --interval --title"`,
		`subscribe) verbs=""; flags="--all --any-topic --config --json --limit --nats --since --wait"`,
	} {
		if !strings.Contains(bash, want) {
			t.Errorf("bash script lacks %q", want)
		}
	}
	if sh, err := exec.LookPath("bash"); err == nil {
		cmd := exec.Command(sh, "-n")
		cmd.Stdin = strings.NewReader(bash)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("bash -n: %v\n%s", err, out)
		}
	} else {
		t.Log("no bash here: syntax not checked")
	}

	code, zsh, _ := cli(t, "completion", "zsh")
	if code != 0 || !strings.Contains(zsh, "bashcompinit") || !strings.Contains(zsh, "complete -o filenames -F _newswire newswire") {
		t.Errorf("completion zsh: exit %d:\n%s", code, zsh)
	}
	code, fish, _ := cli(t, "completion", "fish")
	if code != 0 || !strings.Contains(fish, "complete -c newswire -f -n '__fish_seen_subcommand_from feeds' -a poll") ||
		!strings.Contains(fish, "complete -c newswire -n '__fish_seen_subcommand_from replay' -l since") {
		t.Errorf("completion fish: exit %d:\n%s", code, fish)
	}
	if code, _, stderr := cli(t, "completion", "bsh"); code != 2 || !strings.Contains(stderr, `Did you mean "bash"?`) {
		t.Errorf("completion bsh: exit %d, stderr %q", code, stderr)
	}
}
