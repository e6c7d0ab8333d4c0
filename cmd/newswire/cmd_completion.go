package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// cmdCompletion prints a shell completion script. Commands, subcommands and
// flags come from the command table and each command's own flag set (read
// from its --help), so the script cannot drift from the program.
func cmdCompletion(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "completion", "bash|zsh|fish")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		fs.Usage()
		return usagef("want bash, zsh or fish")
	}
	specs := completionSpecs(ctx)
	switch rest[0] {
	case "bash":
		writeBash(e.stdout, specs)
	case "zsh":
		// zsh runs bash completion functions through bashcompinit.
		fmt.Fprintln(e.stdout, "# zsh completion for newswire: source <(newswire completion zsh)")
		fmt.Fprintln(e.stdout, "autoload -U +X bashcompinit && bashcompinit")
		writeBash(e.stdout, specs)
	case "fish":
		writeFish(e.stdout, specs)
	default:
		return unknownCommand("shell", rest[0], []string{"bash", "zsh", "fish"}, "newswire completion --help")
	}
	return nil
}

// completionSpec is what a shell completes after `newswire <name>`.
type completionSpec struct {
	name, summary string
	verbs         []string // subcommands
	flags         []string // without dashes
}

var flagLine = regexp.MustCompile(`(?m)^  -([A-Za-z0-9][A-Za-z0-9_-]*)`)

func completionSpecs(ctx context.Context) []completionSpec {
	verbs := map[string][]string{"feeds": feedsVerbs, "topics": topicsVerbs, "dedupe": dedupeVerbs, "completion": {"bash", "zsh", "fish"}}
	var specs []completionSpec
	for _, c := range commands() {
		var help bytes.Buffer
		e := &env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: &help, getenv: func(string) string { return "" }}
		_ = c.run(ctx, e, []string{"--help"}) // parses its flags, prints them, returns errHelp
		s := completionSpec{name: c.name, summary: c.summary, verbs: verbs[c.name]}
		for _, m := range flagLine.FindAllStringSubmatch(help.String(), -1) {
			s.flags = append(s.flags, m[1])
		}
		specs = append(specs, s)
	}
	return specs
}

func writeBash(w io.Writer, specs []completionSpec) {
	names := []string{"help"}
	for _, s := range specs {
		names = append(names, s.name)
	}
	fmt.Fprintf(w, `# bash completion for newswire: source <(newswire completion bash)
_newswire() {
    local cur=${COMP_WORDS[COMP_CWORD]}
    if [[ $COMP_CWORD -eq 1 ]]; then
        COMPREPLY=($(compgen -W "%s --help --version" -- "$cur"))
        return
    fi
    local verbs="" flags=""
    case ${COMP_WORDS[1]} in
`, strings.Join(names, " "))
	for _, s := range specs {
		fmt.Fprintf(w, "        %s) verbs=%q; flags=%q ;;\n", s.name, strings.Join(s.verbs, " "), dashed(s.flags))
	}
	fmt.Fprint(w, `    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$flags --help" -- "$cur"))
    elif [[ $COMP_CWORD -eq 2 && -n $verbs ]]; then
        COMPREPLY=($(compgen -W "$verbs" -- "$cur"))
    else
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
}
complete -o filenames -F _newswire newswire
`)
}

func writeFish(w io.Writer, specs []completionSpec) {
	fmt.Fprintln(w, "# fish completion for newswire: newswire completion fish | source")
	fmt.Fprintln(w, "complete -c newswire -f -n __fish_use_subcommand -l version -d 'print the version'")
	for _, s := range specs {
		fmt.Fprintf(w, "complete -c newswire -f -n __fish_use_subcommand -a %s -d %s\n", s.name, fishQuote(s.summary))
		for _, v := range s.verbs {
			fmt.Fprintf(w, "complete -c newswire -f -n '__fish_seen_subcommand_from %s' -a %s\n", s.name, v)
		}
		for _, f := range s.flags {
			fmt.Fprintf(w, "complete -c newswire -n '__fish_seen_subcommand_from %s' -l %s\n", s.name, f)
		}
	}
}

func dashed(flags []string) string {
	out := make([]string, len(flags))
	for i, f := range flags {
		out[i] = "--" + f
	}
	return strings.Join(out, " ")
}

func fishQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `\'`) + "'" }
