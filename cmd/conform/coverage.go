package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/conform-harness/conform/internal/coverage"
	"github.com/conform-harness/conform/judge"
)

// coverageFlags are the contract-coverage flags of run, proxy and audit.
type coverageFlags struct {
	file string      // --coverage FILE.json
	min  percentFlag // --min-coverage
}

func (cf *coverageFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&cf.file, "coverage", "", "write the contract coverage (declared responses seen, state-machine moves, invariants with\nevidence) as JSON to `FILE.json`")
	fs.Var(&cf.min, "min-coverage", "fail (exit 1) when less than this `PERCENT` of the responses the spec declares were seen, e.g. 80")
}

// percentFlag is a percentage from 0 to 100, given as "80" or "80%"; it holds a share (0.8).
type percentFlag struct {
	share float64
	set   bool
}

func (p *percentFlag) String() string {
	if p == nil || !p.set {
		return ""
	}
	return strconv.FormatFloat(p.share*100, 'f', -1, 64)
}

func (p *percentFlag) Set(s string) error {
	v, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(s), "%"), 64)
	if err != nil || math.IsNaN(v) || v < 0 || v > 100 {
		return fmt.Errorf("want a percentage from 0 to 100, e.g. 80, got %q", s)
	}
	p.share, p.set = v/100, true
	return nil
}

// errUnderCoverage is a run whose coverage is under --min-coverage: exit 1, as a run that does
// not conform.
var errUnderCoverage = errors.New("contract coverage is under --min-coverage")

// writeCoverage writes the coverage r: its text to console, and its JSON to --coverage.
func writeCoverage(r coverage.Report, cf coverageFlags, console io.Writer) error {
	if err := r.WriteText(console); err != nil {
		return err
	}
	if cf.file == "" {
		return nil
	}
	var js bytes.Buffer
	if err := r.WriteJSON(&js); err != nil {
		return err
	}
	return writeOutput("--coverage", cf.file, js.Bytes())
}

// checkCoverage returns an error wrapping errNotConforming when the share of declared responses
// r saw is under --min-coverage, and nil otherwise.
func checkCoverage(r coverage.Report, cf coverageFlags) error {
	if !cf.min.set || r.Covered(cf.min.share) {
		return nil
	}
	return fmt.Errorf("%w: %w: %s of the declared responses were seen, %s%% wanted",
		errNotConforming, errUnderCoverage, coverage.Percent(r.Responses.Share), cf.min.String())
}

// measure returns the coverage of exchanges, in the order they happened; requests of different
// origins are different requests.
func measure(spec *openapi3.T, exchanges []judge.Exchange) coverage.Report {
	c := coverage.New(spec)
	for _, ex := range exchanges {
		c.Add(ex.Origin(), ex)
	}
	return c.Report()
}
