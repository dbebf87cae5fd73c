# Everyday tasks. The README's two commands need none of this.
.PHONY: build test vet generate sandbox drill fuzz ci

build:
	go build -o bin/glass ./cmd/glass

test:
	go test ./...

vet:
	go vet ./...

# Regenerate completions/, the command reference and the simulator route list.
generate:
	go test ./internal/cmd/root -run TestGeneratedFilesUpToDate -update
	go test ./internal/ghsim/contract -update

sandbox:
	go run ./cmd/glass sandbox serve --seed acme

drill:
	go run ./cmd/glass drill --sandbox

fuzz:
	go test ./internal/policy -run '^$$' -fuzz FuzzParse -fuzztime 30s
	go test ./internal/ledger -run '^$$' -fuzz FuzzParseBody -fuzztime 30s

ci:
	bash .ci/run
