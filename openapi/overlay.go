package openapi

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/pb33f/jsonpath/pkg/jsonpath"
	jsonpathconfig "github.com/pb33f/jsonpath/pkg/jsonpath/config"
	"github.com/pb33f/libopenapi"
	highoverlay "github.com/pb33f/libopenapi/datamodel/high/overlay"
	"github.com/pb33f/libopenapi/overlay"
	"go.yaml.in/yaml/v4"
)

// Overlays are applied by pb33f/libopenapi's overlay engine (https://spec.openapis.org/overlay/v1.0.0,
// JSONPath as RFC 9535 has it), which reads and writes YAML with the package kin-openapi reads
// specs with. What conform adds is stricter checking, so that a mistake in an overlay is a
// usage error and not a contract that silently stays as it was: the version must be 1.0.x,
// every action needs a target, and a target that selects nothing is an error, not the engine's
// warning.

// overlayVersion is the versions of the Overlay Specification conform applies.
var overlayVersion = regexp.MustCompile(`^1\.0\.[0-9]+$`)

// ApplyOverlays applies the OpenAPI Overlay 1.0 documents at the paths overlays, in order, to
// spec, the text (JSON or YAML) of specFile ("" for the embedded spec), then loads and validates
// the result as LoadFile does. It returns the result and its text as YAML (two-space indents;
// a JSON spec's text comes out in block style).
//
// Every failure is a *SpecError: a spec that is not YAML or JSON names specFile and the line;
// an overlay that cannot be read or parsed, whose `overlay` field is not 1.0.x, that has no
// info or no actions, an action without a target, a target that is not a valid JSONPath, that
// selects nothing, or that selects a scalar to update, names the overlay and the line and
// pointer of the field (e.g. "/actions/1/target"); a result that is not a valid OpenAPI
// document names specFile, the overlays and the pointer in the result. It does not check that
// the result describes the API's calls: Effective does.
func ApplyOverlays(spec []byte, specFile string, overlays ...string) (*openapi3.T, []byte, error) {
	if _, err := checkSyntax(specFile, spec); err != nil {
		return nil, nil, err
	}
	current := spec
	for _, path := range overlays {
		b, err := readFile(path)
		if err != nil {
			return nil, nil, err
		}
		root, err := checkSyntax(path, b)
		if err != nil {
			return nil, nil, err
		}
		ov, err := parseOverlay(path, b, root)
		if err != nil {
			return nil, nil, err
		}
		res, err := overlay.Apply(current, ov)
		if err != nil {
			return nil, nil, applyError(path, root, ov, err)
		}
		for _, w := range res.Warnings {
			// The engine warns of a target that selects nothing (and, so far, of nothing else).
			at := actionPointer(ov, w.Action) + "/target"
			err := fmt.Errorf("target %s: %s", w.Target, w.Message)
			if strings.Contains(w.Message, "zero nodes") {
				err = fmt.Errorf("target %s selects nothing in %s", w.Target, fileName(specFile))
			}
			return nil, nil, &SpecError{File: path, Line: lineOf(root, at), Pointer: at, Err: err}
		}
		current = res.Bytes
	}
	// The text printed is the text loaded. The engine writes a JSON spec's nodes back in flow
	// style, which reads as JSON again; block style does not.
	root, err := parseNode(current)
	if err != nil {
		return nil, nil, &SpecError{File: specFile, Overlays: overlays, Err: err}
	}
	source, err := encodeYAML(root, looksLikeJSON(spec))
	if err != nil {
		return nil, nil, &SpecError{File: specFile, Overlays: overlays, Err: err}
	}
	doc, err := loadBytes("", source)
	if err != nil {
		var se *SpecError
		if errors.As(err, &se) {
			// The problem lies in the result, whose lines are neither the spec's nor an overlay's.
			se.File, se.Overlays, se.Line = specFile, overlays, 0
		}
		return nil, nil, err
	}
	return doc, source, nil
}

// parseOverlay reads b, the text of the overlay at path whose node tree is root, as an Overlay
// 1.0 document.
func parseOverlay(path string, b []byte, root *yaml.Node) (*highoverlay.Overlay, error) {
	at := func(pointer string, err error) error {
		return &SpecError{File: path, Line: lineOf(root, pointer), Pointer: pointer, Err: err}
	}
	if root == nil || root.Kind != yaml.MappingNode {
		return nil, at("", errors.New("not an OpenAPI Overlay document: expected a mapping with overlay, info and actions"))
	}
	ov, err := libopenapi.NewOverlayDocument(b)
	if err != nil {
		return nil, at("", fmt.Errorf("not an OpenAPI Overlay document: %w", err))
	}
	switch {
	case ov.Overlay == "":
		return nil, at("/overlay", errors.New("not an OpenAPI Overlay document: the overlay field (the Overlay Specification's version, 1.0.0) is missing"))
	case !overlayVersion.MatchString(ov.Overlay):
		return nil, at("/overlay", fmt.Errorf("overlay version %q is not supported: conform applies OpenAPI Overlay 1.0 (overlay: 1.0.0)", ov.Overlay))
	case ov.Info == nil:
		return nil, at("/info", errors.New("the overlay has no info (its title and version)"))
	case len(ov.Actions) == 0:
		return nil, at("/actions", errors.New("the overlay has no actions"))
	}
	for i, a := range ov.Actions {
		if a.Target == "" {
			return nil, at(fmt.Sprintf("/actions/%d", i), fmt.Errorf("action %d has no target", i))
		}
	}
	return ov, nil
}

// applyError turns an error of the overlay engine, applying ov (the overlay at path whose node
// tree is root), into a *SpecError that names the action at fault.
func applyError(path string, root *yaml.Node, ov *highoverlay.Overlay, err error) error {
	var oe *overlay.OverlayError
	if !errors.As(err, &oe) || oe.Action == nil {
		return &SpecError{File: path, Err: err}
	}
	at := actionPointer(ov, oe.Action)
	cause := oe.Cause
	switch {
	case errors.Is(cause, overlay.ErrInvalidJSONPath):
		at += "/target"
		// The engine keeps the parser's reason to itself; the parser tells it again.
		if _, perr := jsonpath.NewPath(oe.Action.Target, jsonpathconfig.WithPropertyNameExtension()); perr != nil {
			// Its first line; the others draw a caret under the target.
			reason, _, _ := strings.Cut(perr.Error(), "\n")
			cause = &reasonError{fmt.Sprintf("target %q is not a valid JSONPath: %s", oe.Action.Target, reason), perr}
		} else {
			cause = fmt.Errorf("target %q: %w", oe.Action.Target, cause)
		}
	case errors.Is(cause, overlay.ErrPrimitiveTarget):
		at += "/target"
		cause = fmt.Errorf("target %s selects a scalar, which an update cannot merge into: %w", oe.Action.Target, cause)
	}
	return &SpecError{File: path, Line: lineOf(root, at), Pointer: at, Err: cause}
}

// actionPointer returns the JSON pointer of action in ov, "/actions/2", or "/actions" when it
// is not one of ov's.
func actionPointer(ov *highoverlay.Overlay, action *highoverlay.Action) string {
	if i := slices.Index(ov.Actions, action); i >= 0 {
		return fmt.Sprintf("/actions/%d", i)
	}
	return "/actions"
}
