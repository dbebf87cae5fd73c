// Command subset cuts GitHub's published OpenAPI description down to the
// operations glass needs (testdata/openapi/operations.txt) and, transitively,
// every components entry they reference. Examples are dropped to keep the
// committed file small, except the request-body examples (GitHub's
// documentation examples, e.g. the "Update branch protection" PUT body),
// which contract tests replay against the simulator. It is run by testdata/openapi/update.sh; the test
// suite never needs the network.
//
//	go run ./internal/ghsim/contract/cmd/subset -in api.github.com.json \
//	    -ops testdata/openapi/operations.txt -out testdata/openapi/api.github.com.subset.json
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
)

var methods = map[string]bool{"get": true, "put": true, "post": true, "delete": true, "options": true, "head": true, "patch": true, "trace": true}

func main() {
	in := flag.String("in", "", "full description (api.github.com.json)")
	opsFile := flag.String("ops", "testdata/openapi/operations.txt", "operationIds to keep")
	out := flag.String("out", "testdata/openapi/api.github.com.subset.json", "output file")
	flag.Parse()
	if err := run(*in, *opsFile, *out); err != nil {
		fmt.Fprintln(os.Stderr, "subset:", err)
		os.Exit(1)
	}
}

func readOps(name string) (map[string]bool, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ops := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		if line = strings.TrimSpace(line); line != "" {
			ops[line] = true
		}
	}
	return ops, sc.Err()
}

func run(in, opsFile, out string) error {
	want, err := readOps(opsFile)
	if err != nil {
		return err
	}
	raw, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return err
	}
	paths, _ := doc["paths"].(map[string]any)
	comps, _ := doc["components"].(map[string]any)

	found := map[string]bool{}
	newPaths := map[string]any{}
	for p, v := range paths {
		item, _ := v.(map[string]any)
		kept := map[string]any{}
		for k, ov := range item {
			if !methods[k] {
				continue
			}
			op, _ := ov.(map[string]any)
			id, _ := op["operationId"].(string)
			if want[id] {
				kept[k] = ov
				found[id] = true
			}
		}
		if len(kept) == 0 {
			continue
		}
		for k, ov := range item { // path-level keys (parameters, summary)
			if !methods[k] {
				kept[k] = ov
			}
		}
		newPaths[p] = kept
	}
	var missing []string
	for id := range want {
		if !found[id] {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return fmt.Errorf("operations not in %s: %s", in, strings.Join(missing, ", "))
	}

	// Drop examples (keeping request-body ones), then collect referenced
	// components transitively.
	keepRequestExamples(newPaths, func() { stripExamples(newPaths, "") })
	keep := map[string]bool{} // "#/components/schemas/x"
	var queue []string
	collect := func(v any) {
		walkRefs(v, func(ref string) {
			if !keep[ref] {
				keep[ref] = true
				queue = append(queue, ref)
			}
		})
	}
	collect(newPaths)
	newComps := map[string]any{}
	for len(queue) > 0 {
		ref := queue[0]
		queue = queue[1:]
		parts := strings.Split(strings.TrimPrefix(ref, "#/components/"), "/")
		if len(parts) != 2 || !strings.HasPrefix(ref, "#/components/") {
			return fmt.Errorf("unsupported $ref %q", ref)
		}
		kind, name := parts[0], unescape(parts[1])
		sec, _ := comps[kind].(map[string]any)
		v, ok := sec[name]
		if !ok {
			return fmt.Errorf("dangling $ref %q", ref)
		}
		stripExamples(v, "")
		dst, _ := newComps[kind].(map[string]any)
		if dst == nil {
			dst = map[string]any{}
			newComps[kind] = dst
		}
		dst[name] = v
		collect(v)
	}
	sub := map[string]any{
		"openapi":    doc["openapi"],
		"info":       doc["info"],
		"servers":    doc["servers"],
		"paths":      newPaths,
		"components": newComps,
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(sub); err != nil {
		return err
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		return err
	}
	n := 0
	for _, k := range newComps {
		n += len(k.(map[string]any))
	}
	fmt.Printf("subset: %d operations, %d paths, %d components, %d bytes → %s\n", len(found), len(newPaths), n, buf.Len(), out)
	return nil
}

func unescape(s string) string { return strings.NewReplacer("~1", "/", "~0", "~").Replace(s) }

func walkRefs(v any, f func(string)) {
	switch x := v.(type) {
	case map[string]any:
		if r, ok := x["$ref"].(string); ok {
			f(r)
		}
		for _, c := range x {
			walkRefs(c, f)
		}
	case []any:
		for _, c := range x {
			walkRefs(c, f)
		}
	}
}

// keepRequestExamples runs strip and puts the requestBody media types'
// "examples" maps back.
func keepRequestExamples(paths map[string]any, strip func()) {
	type saved struct {
		mt       map[string]any
		examples any
	}
	var keep []saved
	for _, item := range paths {
		for k, ov := range item.(map[string]any) {
			if !methods[k] {
				continue
			}
			op, _ := ov.(map[string]any)
			rb, _ := op["requestBody"].(map[string]any)
			content, _ := rb["content"].(map[string]any)
			for _, mv := range content {
				if mt, ok := mv.(map[string]any); ok && mt["examples"] != nil {
					keep = append(keep, saved{mt, mt["examples"]})
				}
			}
		}
	}
	strip()
	for _, s := range keep {
		s.mt["examples"] = s.examples
	}
}

// stripExamples removes "examples" maps (parameter and media-type objects;
// they only $ref components/examples) but never a schema property that
// happens to be called "examples".
func stripExamples(v any, parent string) {
	switch x := v.(type) {
	case map[string]any:
		if parent != "properties" {
			if _, ok := x["examples"].(map[string]any); ok {
				delete(x, "examples")
			}
		}
		for k, c := range x {
			stripExamples(c, k)
		}
	case []any:
		for _, c := range x {
			stripExamples(c, "")
		}
	}
}
