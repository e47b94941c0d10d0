package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	messages "github.com/cucumber/messages/go/v34"

	"github.com/conform-harness/conform/internal/report"
	"github.com/conform-harness/conform/internal/suite"
)

// output is a file a command writes, and the flag that names it.
type output struct{ flag, path string }

// outputDir creates the missing directories of path, which flag names, as writeOutput does
// before it writes: one that cannot be made is the user's to fix (exit 2).
func outputDir(flag, path string) error {
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return &configError{err: fmt.Errorf("%s: %w", flag, err)}
		}
	}
	return nil
}

// checkOutputs makes sure, before a command starts its work, that it will be able to write each
// of outs when it ends: the directories are made (outputDir) and each file can be opened for
// writing. A file that was not there is not left behind; one that was is not changed. Every
// path is checked, and every one that cannot be written is said (exit 2).
func checkOutputs(outs []output) error {
	var errs []error
	for _, o := range outs {
		if err := outputDir(o.flag, o.path); err != nil {
			errs = append(errs, err)
			continue
		}
		_, statErr := os.Lstat(o.path)
		f, err := os.OpenFile(o.path, os.O_WRONLY|os.O_CREATE, 0o644)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", o.flag, err))
			continue
		}
		f.Close()
		if errors.Is(statErr, fs.ErrNotExist) {
			_ = os.Remove(o.path) // best effort: an empty file is no report
		}
	}
	if err := errors.Join(errs...); err != nil {
		return &configError{err: err}
	}
	return nil
}

// writeReport renders the messages of a run into the HTML report at path.
func writeReport(path string, envs []*messages.Envelope, info report.Info) error {
	var page bytes.Buffer
	if err := report.WriteHTML(&page, envs, info); err != nil {
		return fmt.Errorf("--report: %w", err)
	}
	return writeOutput("--report", path, page.Bytes())
}

// writeOutput writes data to the file path that flag names, creating missing directories. A
// file that cannot be written is the user's to fix (exit 2: a *suite.OutputError).
func writeOutput(flag, path string, data []byte) error {
	return suite.WriteOutput(flag, path, data)
}
