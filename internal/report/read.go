package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	messages "github.com/cucumber/messages/go/v34"
)

// maxLine caps one NDJSON line. Attachments carry whole HTTP bodies (capped by the steps,
// then JSON- and maybe base64-encoded), so lines are long but bounded.
const maxLine = 64 << 20

// ReadMessages reads a Cucumber Messages stream: one JSON envelope per line. Blank lines are
// skipped. A line that is not an envelope is an error that names its line number.
func ReadMessages(r io.Reader) ([]*messages.Envelope, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	var envs []*messages.Envelope
	n := 0
	for sc.Scan() {
		n++
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		env := &messages.Envelope{}
		if err := json.Unmarshal(line, env); err != nil {
			return nil, fmt.Errorf("messages line %d: %w", n, err)
		}
		if *env == (messages.Envelope{}) {
			return nil, fmt.Errorf("messages line %d: not an envelope: it holds no known message", n)
		}
		envs = append(envs, env)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("messages line %d: %w", n+1, err)
	}
	return envs, nil
}
