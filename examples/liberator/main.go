// Command liberator turns a Liberator parking dump (liberator_dump_YYYYMMDD.zip)
// into partitioned Parquet in a data lake's landing zone, then copies it to
// the raw zone, on the embedded backends: no database server and no cloud
// account needed.
//
//	liberator demo --lake /tmp/lake
//	liberator run --dump liberator_dump_20261124.zip --lake /tmp/lake
//	liberator run --dump liberator_dump_20261124.zip --lake /tmp/lake --gate strict
//	liberator run --accept-changes --export-id ID --date 2026-11-24 --lake /tmp/lake
//	liberator inspect --dump liberator_dump_20261124.zip
//	liberator gendump --out /tmp/liberator_dump_20261124.zip --size 1GB
//
// Every run reports what changed since the last published import; a gate
// (--gate, off by default) can stop it before publishing, with exit status
// 3. Each subcommand has --help.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"run", "convert a dump to Parquet and land it (the whole pipeline)", runCmd},
		{"inspect", "list a dump's tables, columns, types and row counts", inspectCmd},
		{"demo", "write a sample dump and run it into a lake", demoCmd},
		{"gendump", "write a large realistic sample dump (for benchmarks)", gendumpCmd},
	}
}

// run is main without the exit: it returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		usage(stdout)
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "liberator: unknown command %q (commands: run, inspect, demo, gendump; see liberator --help)\n", args[0])
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: liberator <command> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'liberator <command> --help' for a command's flags.")
}

// flagSet is a subcommand's flags and its help text.
type flagSet struct {
	*flag.FlagSet
	help func()
}

// newFlags returns a FlagSet whose errors are reported by parse as one line
// and whose --help prints the synopsis and flags to stdout.
func newFlags(name, synopsis string, stdout io.Writer) flagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {} // parse prints help itself, errors as one line
	return flagSet{fs, func() {
		fmt.Fprintf(stdout, "Usage: liberator %s\n\n", synopsis)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}}
}

// parse parses args; ok is false when the command should exit with code.
func parse(fs flagSet, args []string, stderr io.Writer) (code int, ok bool) {
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fs.help()
		return 0, false
	}
	if err != nil {
		fmt.Fprintf(stderr, "liberator: %s: %v (see liberator %s --help)\n", fs.Name(), err, fs.Name())
		return 2, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "liberator: %s: unexpected argument %q (see liberator %s --help)\n", fs.Name(), fs.Arg(0), fs.Name())
		return 2, false
	}
	return 0, true
}

// fail prints err as one line and returns exit status 1.
func fail(stderr io.Writer, err error) int {
	msg := strings.Join(strings.Fields(strings.ReplaceAll(err.Error(), "\n", "; ")), " ")
	msg = strings.TrimPrefix(msg, "liberator: ")
	fmt.Fprintf(stderr, "liberator: %s\n", msg)
	return 1
}
