package suite

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing/fstest"

	"github.com/conform-harness/conform/features"
)

// featureFS returns the features a run reads, as one file system godog walks from ".":
// conform's own at its root, as the embedded files name them (unless noBuiltin), and the user's
// (each a .feature file or a directory of them, walked) under their paths as given, made
// relative. With no user features it is the embedded file system itself.
func featureFS(user []string, noBuiltin bool) (fs.FS, error) {
	if len(user) == 0 {
		return features.FS, nil
	}
	files := fstest.MapFS{}
	if !noBuiltin {
		err := fs.WalkDir(features.FS, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".feature") {
				return err
			}
			b, err := fs.ReadFile(features.FS, p)
			files[p] = &fstest.MapFile{Data: b, Mode: 0o444}
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("read the built-in features: %w", err)
		}
	}
	for _, root := range user {
		found := 0
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || !strings.HasSuffix(p, ".feature") {
				return nil
			}
			name := userFeatureName(p)
			if _, taken := files[name]; taken {
				return fmt.Errorf("%s: a feature of that name is already part of the run (conform's own are %s)", p, builtinNames())
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			// Sys keeps the path as the user gave it, for messages that point into the file.
			files[name] = &fstest.MapFile{Data: b, Mode: 0o444, Sys: p}
			found++
			return nil
		})
		if err != nil {
			return nil, &UsageError{Err: fmt.Errorf("--features %s: %w", root, err)}
		}
		if found == 0 {
			return nil, &UsageError{Err: fmt.Errorf("--features %s: no .feature file there", root)}
		}
	}
	return files, nil
}

// userFeatureName is the name of a user's feature file inside the run's file system: its path,
// made relative and clean, so reports name it as the user does.
func userFeatureName(p string) string {
	p = filepath.ToSlash(filepath.Clean(p))
	p = strings.TrimLeft(p, "/")
	for strings.HasPrefix(p, "../") {
		p = strings.TrimPrefix(p, "../")
	}
	return path.Clean(p)
}

// builtinNames lists conform's own feature files, for a message.
func builtinNames() string {
	names, _ := fs.Glob(features.FS, "*.feature")
	return strings.Join(names, ", ")
}

// filePath is the path, as the user gave it, of the feature that fsys names name; name itself
// for conform's own.
func filePath(fsys fs.FS, name string) string {
	if m, ok := fsys.(fstest.MapFS); ok {
		if f := m[name]; f != nil {
			if p, ok := f.Sys.(string); ok {
				return p
			}
		}
	}
	return name
}
