package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/conform-harness/conform/export"

	"github.com/rogpeppe/go-internal/testscript"
)

// Script commands that run conform as real processes whose output can be watched while they
// run, and that signal them: testscript's own background commands show their output only
// once they have ended, and cannot tell their exit code.
//
//	spawn NAME ARGS...       start conform ARGS in $WORK, stdout to NAME.out, stderr to NAME.err
//	waitfor FILE REGEXP [N]  wait until FILE matches REGEXP at least N times (default 1)
//	signal NAME INT|TERM     send the signal to process NAME
//	exitcode NAME CODE       wait for process NAME to end and require its exit code
//	holdcancels VAR URL      serve a proxy of URL that holds every cancel until the script ends;
//	                         its address goes into $VAR
//	nothingrunning URL       require that no export request the fake at URL holds (ids from
//	                         1000 on) is pending or processing, with the script's credentials
//	noglob PATTERN           require that no file matches PATTERN
//
// Waits poll with a deadline; nothing sleeps a fixed time.
var procCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	"spawn":          cmdSpawn,
	"waitfor":        cmdWaitFor,
	"signal":         cmdSignal,
	"exitcode":       cmdExitCode,
	"holdcancels":    cmdHoldCancels,
	"nothingrunning": cmdNothingRunning,
	"noglob":         cmdNoGlob,
}

// procWait bounds every wait of these commands.
const procWait = 90 * time.Second

// process is one spawned conform.
type process struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

var (
	procsMu sync.Mutex
	procs   = map[*testscript.TestScript]map[string]*process{}
)

func lookupProc(ts *testscript.TestScript, name string) *process {
	procsMu.Lock()
	defer procsMu.Unlock()
	p := procs[ts][name]
	if p == nil {
		ts.Fatalf("no process %q: spawn it first", name)
	}
	return p
}

// scriptEnv is the environment of a spawned process: the script's variables that conform
// reads, over the test process's own environment.
func scriptEnv(ts *testscript.TestScript) []string {
	env := os.Environ()
	for _, k := range []string{"PATH", "HOME", "TMPDIR", "WORK", "CONFORM_USERNAME", "CONFORM_PASSWORD", "CONFORM_BASE_URL"} {
		env = append(env, k+"="+ts.Getenv(k))
	}
	return env
}

func cmdSpawn(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: spawn NAME ARGS...")
	}
	name := args[0]
	bin, err := exec.LookPath("conform") // testscript.Main put the test binary on PATH as conform
	ts.Check(err)
	work := ts.Getenv("WORK")
	stdout, err := os.Create(filepath.Join(work, name+".out"))
	ts.Check(err)
	stderr, err := os.Create(filepath.Join(work, name+".err"))
	ts.Check(err)
	cmd := exec.Command(bin, args[1:]...)
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = work, scriptEnv(ts), stdout, stderr
	ts.Check(cmd.Start())
	p := &process{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		stdout.Close()
		stderr.Close()
		close(p.done)
	}()
	ts.Defer(func() {
		select {
		case <-p.done:
		default:
			cmd.Process.Kill() //nolint:errcheck // it may just have ended
			<-p.done
		}
	})
	procsMu.Lock()
	defer procsMu.Unlock()
	if procs[ts] == nil {
		procs[ts] = map[string]*process{}
		ts.Defer(func() {
			procsMu.Lock()
			defer procsMu.Unlock()
			delete(procs, ts)
		})
	}
	procs[ts][name] = p
}

func cmdWaitFor(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 || len(args) > 3 {
		ts.Fatalf("usage: waitfor FILE REGEXP [N]")
	}
	re, err := regexp.Compile(args[1])
	ts.Check(err)
	n := 1
	if len(args) == 3 {
		n, err = strconv.Atoi(args[2])
		ts.Check(err)
	}
	path := ts.MkAbs(args[0])
	deadline := time.Now().Add(procWait)
	for {
		b, _ := os.ReadFile(path)
		if len(re.FindAllIndex(b, -1)) >= n {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("%s did not match %q %d time(s) within %s; it holds:\n%s", args[0], args[1], n, procWait, b)
		}
		time.Sleep(20 * time.Millisecond) // polling with a deadline: the process writes in its own time
	}
}

func cmdSignal(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: signal NAME INT|TERM")
	}
	sig := map[string]os.Signal{"INT": os.Interrupt, "TERM": syscall.SIGTERM}[args[1]]
	if sig == nil {
		ts.Fatalf("signal: want INT or TERM, got %q", args[1])
	}
	ts.Check(lookupProc(ts, args[0]).cmd.Process.Signal(sig))
}

func cmdExitCode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: exitcode NAME CODE")
	}
	want, err := strconv.Atoi(args[1])
	ts.Check(err)
	p := lookupProc(ts, args[0])
	select {
	case <-p.done:
	case <-time.After(procWait):
		ts.Fatalf("process %s did not end within %s", args[0], procWait)
	}
	got := 0
	var exit *exec.ExitError
	switch {
	case errors.As(p.err, &exit):
		got = exit.ExitCode()
	case p.err != nil:
		ts.Fatalf("process %s: %v", args[0], p.err)
	}
	if got != want {
		ts.Fatalf("process %s exited %d, want %d", args[0], got, want)
	}
}

func cmdHoldCancels(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: holdcancels VAR URL")
	}
	upstream, err := url.Parse(args[1])
	ts.Check(err)
	release := make(chan struct{})
	proxy := httputil.NewSingleHostReverseProxy(upstream)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "/custom-actions/cancel/") {
			select {
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	ts.Defer(func() {
		close(release)
		srv.Close()
	})
	ts.Setenv(args[0], srv.URL)
}

func cmdNothingRunning(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: nothingrunning URL")
	}
	client := &http.Client{Timeout: 5 * time.Second}
	seen := 0
	for id := 1000; ; id++ {
		req, err := http.NewRequest(http.MethodGet, fmt.Sprintf("%s%s/exportStatuses/%d", args[0], export.Root, id), nil)
		ts.Check(err)
		req.SetBasicAuth(ts.Getenv("CONFORM_USERNAME"), ts.Getenv("CONFORM_PASSWORD"))
		resp, err := client.Do(req)
		ts.Check(err)
		var doc struct{ Progress string }
		err = json.NewDecoder(resp.Body).Decode(&doc)
		resp.Body.Close()
		if resp.StatusCode == http.StatusNotFound {
			break
		}
		ts.Check(err)
		if doc.Progress == "pending" || doc.Progress == "processing" {
			ts.Fatalf("export request %d is still %s", id, doc.Progress)
		}
		seen++
	}
	if seen == 0 {
		ts.Fatalf("the fake at %s holds no export request: the script created none", args[0])
	}
	ts.Logf("%d export request(s), none pending or processing", seen)
}

func cmdNoGlob(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: noglob PATTERN")
	}
	matches, err := filepath.Glob(ts.MkAbs(args[0]))
	ts.Check(err)
	if len(matches) > 0 {
		ts.Fatalf("left behind: %s", strings.Join(matches, ", "))
	}
}
