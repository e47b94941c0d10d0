package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/conform-harness/conform/internal/credentials"
	"github.com/conform-harness/conform/internal/similar"
)

// defaultConfigFile is read from the working directory when it exists and --config names no
// other file.
const defaultConfigFile = "conform.yaml"

// The configuration file (conform.yaml, or --config FILE) has a key for every flag of
// `conform run`: the flag's name with "_" for "-" (base_url, poll_interval, max_retry_after),
// the repeatable ones by their plural (formats, overlays, features, oauth2_scopes), and the
// contract's choices under contract: (cancel_accepted, cancel_settles_within,
// export_finishes_within, visible_within). A flag given on the command line overrides the
// environment, which overrides the file. Secrets are never keys: they come from the environment
// or from files (password_file).

// envOf lists, by flag name, the environment variables that set what the flag sets. One of them
// set makes the file's key give way: the environment of a CI job is the job's own choice, a file
// checked into the repository is not.
var envOf = map[string][]string{
	"base-url":                  {envBaseURL},
	"password-file":             {credentials.EnvPasswordFile, credentials.EnvPassword},
	"oauth2-token-url":          {credentials.EnvTokenURL},
	"oauth2-client-id":          {credentials.EnvClientID},
	"oauth2-client-secret-file": {credentials.EnvClientSecretFile, credentials.EnvClientSecret},
	"oauth2-scope":              {credentials.EnvScopes},
}

// envBaseURL names the target when --base-url does not.
const envBaseURL = "CONFORM_BASE_URL"

// trustedKeys are the flags whose keys only a file named by --config FILE may set: where the
// credentials go (the target, the token URL), which files they are read from, and what TLS
// trusts. A conform.yaml found in the working directory comes with whatever repository was
// checked out; if it could set these, a pull request could send the pipeline's credentials to
// its own host, or post any file the job can read (/proc/self/environ) as a client secret.
var trustedKeys = []string{"base-url", "oauth2-token-url", "password-file", "oauth2-client-secret-file", "ca-file", "insecure-skip-verify"}

// configAliases maps the keys of the file that are not the flag's name with "_" for "-".
var configAliases = map[string]string{
	"formats":       "format",
	"overlays":      "overlay",
	"oauth2_scopes": "oauth2-scope",
}

// contractKeys are the keys under contract:, and their flags.
var contractKeys = map[string]string{
	"cancel_accepted":        "cancel-accepted",
	"cancel_settles_within":  "cancel-settles-within",
	"export_finishes_within": "export-finishes-within",
	"visible_within":         "visible-within",
}

// notKeys are the flags that have no key: they say what to do with the file itself, or are
// another flag's former name.
var notKeys = []string{"config", "print-config", "poll-timeout"}

// keyOf returns the key of the flag called name in the file.
func keyOf(name string) string {
	for key, flagName := range contractKeys {
		if flagName == name {
			return "contract." + key
		}
	}
	for key, flagName := range configAliases {
		if flagName == name {
			return key
		}
	}
	return strings.ReplaceAll(name, "-", "_")
}

// configFileError is a mistake in a configuration file: exit 2, naming the file, the line and the key.
type configFileError struct {
	file string
	line int
	key  string
	err  error
}

func (e *configFileError) Error() string {
	switch {
	case e.line > 0 && e.key != "":
		return fmt.Sprintf("%s:%d: key %s: %v", e.file, e.line, e.key, e.err)
	case e.line > 0:
		return fmt.Sprintf("%s:%d: %v", e.file, e.line, e.err)
	}
	return fmt.Sprintf("%s: %v", e.file, e.err)
}

func (e *configFileError) Unwrap() error { return e.err }

// sources says where each flag's value came from, for --print-config: "flag", the file and
// line, an environment variable, or "default" when absent.
type sources map[string]string

// applyConfig reads the configuration file — path, or conform.yaml in the working directory when
// path is "" and that file exists — and sets, through fs, every key whose flag the command line
// did not set, directly or by another name (aliases maps a flag's former name to it), and whose
// environment variables (envOf, read with getenv) are all unset. It returns where each value
// came from. A file that cannot be read, is not YAML, has an unknown key or a value of the wrong
// type is a *configFileError; so is a file found in the working directory that sets one of
// trustedKeys.
func applyConfig(flags *flag.FlagSet, path string, readFile func(string) ([]byte, error), getenv func(string) string, aliases map[string]string) (sources, error) {
	src := sources{}
	flags.Visit(func(f *flag.Flag) {
		name := f.Name
		if to, ok := aliases[name]; ok {
			name = to
		}
		src[name] = "flag --" + f.Name
	})
	optional := path == ""
	if optional {
		path = defaultConfigFile
	}
	b, err := readFile(path)
	switch {
	case optional && errors.Is(err, fs.ErrNotExist):
		return src, nil
	case err != nil:
		return nil, &configFileError{file: path, err: err}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, &configFileError{file: path, err: err}
	}
	if len(doc.Content) == 0 {
		return src, nil // an empty file
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, &configFileError{file: path, line: root.Line, err: errors.New("want a mapping of keys to values")}
	}
	set := func(keyNode, value *yaml.Node, key, flagName string) error {
		fail := func(err error) error { return &configFileError{file: path, line: keyNode.Line, key: key, err: err} }
		f := flags.Lookup(flagName)
		if f == nil || slices.Contains(notKeys, flagName) {
			return fail(fmt.Errorf("unknown key%s", suggestKey(flags, key)))
		}
		if optional && slices.Contains(trustedKeys, flagName) {
			return fail(fmt.Errorf("a %s found in the working directory may not set where the credentials go, "+
				"a credential file or TLS trust: pass --config %s to trust the file, or give --%s or its variable", path, path, flagName))
		}
		if _, given := src[flagName]; given {
			return nil // the command line overrides the file
		}
		for _, env := range envOf[flagName] {
			if getenv(env) != "" {
				return nil // the environment overrides the file
			}
		}
		values, err := scalars(value)
		if err != nil {
			return fail(err)
		}
		if len(values) != 1 && !repeatable(f) {
			return fail(fmt.Errorf("want one value, got a list of %d", len(values)))
		}
		for _, v := range values {
			if err := flags.Set(flagName, v); err != nil {
				return fail(fmt.Errorf("invalid value %q: %v", v, err))
			}
		}
		src[flagName] = fmt.Sprintf("%s:%d", path, keyNode.Line)
		return nil
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		keyNode, value := root.Content[i], root.Content[i+1]
		key := keyNode.Value
		if key == "contract" {
			if value.Kind != yaml.MappingNode {
				return nil, &configFileError{file: path, line: keyNode.Line, key: key, err: errors.New("want a mapping of the contract's choices")}
			}
			for j := 0; j+1 < len(value.Content); j += 2 {
				ck, cv := value.Content[j], value.Content[j+1]
				flagName, ok := contractKeys[ck.Value]
				if !ok {
					return nil, &configFileError{file: path, line: ck.Line, key: "contract." + ck.Value,
						err: fmt.Errorf("unknown key (want one of %s)", strings.Join(sortedKeys(contractKeys), ", "))}
				}
				if err := set(ck, cv, "contract."+ck.Value, flagName); err != nil {
					return nil, err
				}
			}
			continue
		}
		flagName, ok := configAliases[key]
		if !ok {
			flagName = strings.ReplaceAll(key, "_", "-")
		}
		if strings.Contains(key, "-") {
			flagName = "" // keys are written with "_"
		}
		if err := set(keyNode, value, key, flagName); err != nil {
			return nil, err
		}
	}
	return src, nil
}

// scalars returns the values of a scalar node, or of a sequence of scalars.
func scalars(n *yaml.Node) ([]string, error) {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return nil, errors.New("want a value, got none")
		}
		return []string{n.Value}, nil
	case yaml.SequenceNode:
		var out []string
		for _, c := range n.Content {
			if c.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: want a list of plain values", c.Line)
			}
			out = append(out, c.Value)
		}
		return out, nil
	}
	return nil, errors.New("want a value or a list of values, got a mapping")
}

// repeatable reports whether a flag takes several values (its Value collects them).
func repeatable(f *flag.Flag) bool {
	_, ok := f.Value.(interface{ repeatable() })
	return ok
}

// suggestKey says which key was probably meant, if one is close.
func suggestKey(fs *flag.FlagSet, key string) string {
	best, bestDist := "", 4
	fs.VisitAll(func(f *flag.Flag) {
		if slices.Contains(notKeys, f.Name) {
			return
		}
		k := keyOf(f.Name)
		if d := similar.Distance([]byte(k), []byte(key)); d < bestDist {
			best, bestDist = k, d
		}
	})
	if best == "" {
		return " (conform run --help lists the flags; each has a key, with _ for -)"
	}
	return fmt.Sprintf(" (did you mean %s?)", best)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// printConfig writes the effective configuration of fs as the file would hold it, each value
// with where it came from. inForce, by flag name, gives the value in force where the flag's own
// value does not say it (see runFlags.inForce).
func printConfig(w io.Writer, fs *flag.FlagSet, src sources, inForce map[string]forced) error {
	var top, contract bytes.Buffer
	fs.VisitAll(func(f *flag.Flag) {
		if slices.Contains(notKeys, f.Name) {
			return
		}
		value, from := yamlValue(f), src[f.Name]
		if from == "" {
			from = "default"
		}
		force := inForce[f.Name]
		if force.value != "" {
			value = force.value
		}
		if force.from != "" {
			from = force.from
		}
		if force.note != "" {
			from += " (" + force.note + ")"
		}
		key := keyOf(f.Name)
		line := fmt.Sprintf("%s: %s", strings.TrimPrefix(key, "contract."), value)
		if strings.HasPrefix(key, "contract.") {
			fmt.Fprintf(&contract, "  %-48s # %s\n", line, from)
			return
		}
		fmt.Fprintf(&top, "%-50s # %s\n", line, from)
	})
	_, err := fmt.Fprintf(w, "%scontract:\n%s", top.String(), contract.String())
	return err
}

// forced is what --print-config shows of a key whose flag's own value does not say what is in
// force: the value a run uses instead, where it came from, or what the value means.
type forced struct {
	value string // as YAML; "" keeps the flag's own
	from  string // "" keeps where the flag's value came from
	note  string // what the value means for this run, after where it came from
}

// inForce returns, by flag name, what --print-config shows instead of a flag's own value: the
// values a run decides itself (the concurrency, the pretty console when no format is given),
// the credentials' settings taken from the environment, and what an empty value means. Every
// key of `conform run` that is left empty or zero is here.
func (rf runFlags) inForce(getenv func(string) string) map[string]forced {
	live := rf.live.baseURL != ""
	m := map[string]forced{
		"base-url":                  {note: "the bundled fake"},
		"tags":                      {note: "every scenario"},
		"spec":                      {note: "the embedded spec"},
		"overlay":                   {note: "none"},
		"features":                  {note: "none besides conform's own"},
		"report":                    {note: "none"},
		"record":                    {note: "none"},
		"coverage":                  {note: "none; the summary goes to stderr"},
		"min-coverage":              {note: "none"},
		"seed":                      {note: "file order"},
		"running-export":            {note: "six tables, as the README lists"},
		"quick-export":              {note: "two tables"},
		"ca-file":                   {note: "the system's roots only"},
		"password-file":             {note: "none"},
		"oauth2-token-url":          {note: "none: HTTP Basic, if any"},
		"oauth2-client-id":          {note: "none"},
		"oauth2-client-secret-file": {note: "none"},
		"oauth2-scope":              {note: "none"},
	}
	if live {
		m["base-url"] = forced{}
		m["tags"] = forced{note: "every scenario; against a target those tagged " + fakeOnlyTag + " are left out"}
	}
	if rf.concurrency == 0 {
		if live {
			m["concurrency"] = forced{value: fmt.Sprint(defaultLiveConcurrency), note: "against a target"}
		} else {
			m["concurrency"] = forced{value: "1", note: "against the bundled fake"}
		}
	}
	if len(rf.formats) == 0 {
		m["format"] = forced{value: "[pretty]", note: "the pretty console on stdout"}
	}
	// The credentials' settings that a flag leaves empty come from the environment, as
	// credentials.Load reads them. Secrets themselves are never shown, only which variable holds one.
	fromEnv := func(flagName, value, env, note string) {
		if value != "" {
			delete(m, flagName)
			return
		}
		if v := getenv(env); v != "" {
			m[flagName] = forced{value: yamlScalar(v), from: "environment " + env}
			return
		}
		if note != "" {
			m[flagName] = forced{note: note}
		}
	}
	fromEnv("password-file", rf.live.passwordFile, credentials.EnvPasswordFile, "")
	if getenv(credentials.EnvPassword) != "" && m["password-file"].from == "" {
		m["password-file"] = forced{note: "none: the password is in " + credentials.EnvPassword}
	}
	fromEnv("oauth2-token-url", rf.live.tokenURL, credentials.EnvTokenURL, "")
	fromEnv("oauth2-client-id", rf.live.clientID, credentials.EnvClientID, "")
	fromEnv("oauth2-client-secret-file", rf.live.clientSecretFile, credentials.EnvClientSecretFile, "")
	if getenv(credentials.EnvClientSecret) != "" && m["oauth2-client-secret-file"].from == "" {
		m["oauth2-client-secret-file"] = forced{note: "none: the secret is in " + credentials.EnvClientSecret}
	}
	if len(rf.live.scopes) > 0 {
		delete(m, "oauth2-scope")
	} else if v := getenv(credentials.EnvScopes); v != "" {
		// Space or comma separated, as credentials.Load splits them.
		scopes := strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' })
		quoted := make([]string, len(scopes))
		for i, sc := range scopes {
			quoted[i] = yamlScalar(sc)
		}
		m["oauth2-scope"] = forced{value: "[" + strings.Join(quoted, ", ") + "]", from: "environment " + credentials.EnvScopes}
	}
	for name, f := range m {
		// A note on an empty value only: a value given says itself what it is.
		if f.value == "" && f.from == "" && rf.flags != nil {
			if fl := rf.flags.Lookup(name); fl != nil && !isZero(fl) {
				delete(m, name)
			}
		}
	}
	return m
}

// isZero reports whether a flag holds its empty value: "", 0, or no values.
func isZero(f *flag.Flag) bool {
	if lv, ok := f.Value.(interface{ values() []string }); ok {
		return len(lv.values()) == 0
	}
	v := f.Value.String()
	return v == "" || v == "0"
}

// yamlValue is a flag's value as YAML: a list for a repeatable flag, a quoted string when YAML
// would read it otherwise.
func yamlValue(f *flag.Flag) string {
	if lv, ok := f.Value.(interface{ values() []string }); ok {
		var quoted []string
		for _, v := range lv.values() {
			quoted = append(quoted, yamlScalar(v))
		}
		return "[" + strings.Join(quoted, ", ") + "]"
	}
	return yamlScalar(f.Value.String())
}

func yamlScalar(s string) string {
	b, err := yaml.Marshal(s)
	if err != nil {
		return fmt.Sprintf("%q", s)
	}
	out := strings.TrimSuffix(string(b), "\n")
	if _, isNumber := parseInt(s); isNumber || s == "true" || s == "false" {
		return s
	}
	return out
}

func parseInt(s string) (int, bool) {
	var n int
	_, err := fmt.Sscanf(s, "%d", &n)
	return n, err == nil && fmt.Sprint(n) == s
}
