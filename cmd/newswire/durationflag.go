package main

import (
	"flag"
	"fmt"
	"time"

	"github.com/newswire/newswire/configs"
)

// durationFlag is a duration flag that also takes days and weeks ("7d",
// "1d12h", "2w"), as config durations do.
type durationFlag struct{ d *time.Duration }

func (f durationFlag) String() string {
	if f.d == nil {
		return "0s" // the zero value flag compares defaults with
	}
	return configs.Duration(*f.d).String()
}

func (f durationFlag) Set(s string) error {
	d, err := configs.ParseDuration(s)
	if err != nil {
		// flag prefixes `invalid value "7x" for flag -since: `.
		return fmt.Errorf("want a duration such as %s", configs.DurationForms)
	}
	*f.d = d
	return nil
}

// durationVar defines a duration flag (see durationFlag) on fs, in place of
// fs.Duration.
func durationVar(fs *flag.FlagSet, name string, value time.Duration, usage string) *time.Duration {
	d := value
	fs.Var(durationFlag{&d}, name, usage)
	return &d
}
