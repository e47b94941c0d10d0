package main

import (
	"errors"
	"fmt"
	"io"
	"regexp"

	"github.com/conform-harness/conform/internal/credentials"
	"github.com/conform-harness/conform/internal/suite"
	"github.com/conform-harness/conform/internal/target"
)

// reportUnreached is what `conform run` does when the target cannot be used before any scenario
// starts (err, which exitCode turns into exit 3: the target cannot be reached, rejects the
// credentials, is not the export API, or the credentials cannot be had): it writes every JUnit
// and Cucumber JSON report the run asked for, with one failed testcase that says why, so that
// the CI step that publishes them shows the reason instead of finding no file. It returns err
// for exitCode, whatever else happens: a report it cannot write is said on stderr and leaves
// the exit code alone. Any other error is returned as it is, and nothing is written.
func reportUnreached(rf runFlags, getenv func(string) string, stdout, stderr io.Writer, err error) error {
	var te *target.Error
	var rejected *credentials.RejectedError
	var unreachable *credentials.UnreachableError
	if !errors.As(err, &te) && !errors.As(err, &rejected) && !errors.As(err, &unreachable) {
		return err
	}
	root, rerr := target.Root(rf.live.baseURL)
	if rerr != nil {
		root = "the target"
	}
	check := "conform reaches " + root + " with the credentials, and finds the export API"
	if werr := suite.WriteNotRun(rf.formats, stdout, check, scrubbed(rf, getenv, err.Error())); werr != nil {
		fmt.Fprintf(stderr, "conform: %v\n", werr)
	}
	return err
}

// urlPattern finds the URLs in an error's words.
var urlPattern = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*://[^\s"'<>]+`)

// scrubbed is msg as a report may show it: every URL without credentials (userinfo, a token in
// the query: a token URL may hold them, and the errors name it) and every secret of the run's
// credentials redacted. The errors are built not to hold secrets; a report outlives the job's
// log, so it is made sure of here too.
func scrubbed(rf runFlags, getenv func(string) string, msg string) string {
	msg = urlPattern.ReplaceAllStringFunc(msg, credentials.URL)
	red := credentials.NewRedactor()
	if creds, err := credentials.Load(rf.live.settings(getenv, "run", io.Discard).Credentials); err == nil {
		red = creds.Redactor()
	}
	return red.String(msg)
}
