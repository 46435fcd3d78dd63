# The kit's commands. Run `make` (or `make help`) to list them.
#
# Variables:
#   LAB=crawler        grade, test, check or stress only this lab (a comma list works too)
#   TAGS=solution      build tags for `make grade` (solution grades the reference)
#   RUN=Serial         grade only the tests whose names match this regexp
#   GRADEFLAGS=-v      more flags for the grader (the list: go run ./grader -h)
#   COUNT=100          how many times `make stress` runs each reference suite
#   PAR=1              how many `make stress` runs go side by side
#   OUT=DIR            where `make release` writes the student tree
#   DOCLANG=zh         the language of the student README.md (en, the default, or zh)
#   ZIP=autograder.zip the file `make gradescope` writes

GO         ?= go
GOFMT      ?= $(shell $(GO) env GOROOT)/bin/gofmt
LAB        ?=
TAGS       ?=
RUN        ?=
GRADEFLAGS ?=
COUNT      ?= 100
PAR        ?= 1
OUT        ?=
ZIP        ?= autograder.zip
DOCLANG    ?=

# A data race ends a test binary at once instead of a second later.
export GORACE := $(strip $(GORACE) atexit_sleep_ms=0)

comma := ,
# Hidden tests exist if some Go file outside testdata is built with the private tag.
PRIVATE := $(shell grep -rlE --include='*.go' --exclude-dir=testdata --exclude-dir=.git '^//go:build .*private' . 2>/dev/null | head -n 1)
STRESS_TAGS := solution$(if $(PRIVATE),$(comma)private)
LABFLAG := $(if $(LAB),-lab $(LAB))
# The release tool's tests (course staff only: the student tree has no
# release/); make check runs them after the others, not beside them.
RELEASE_PKGS := $(if $(wildcard release/main.go),./release/...)

.DEFAULT_GOAL := help
.PHONY: help grade test test-solution vet fmt-check check stress manifest release solution-branch gradescope

help: ## list the targets (the default)
	@echo "usage: make TARGET [LAB=crawler] [TAGS=solution] [RUN=regexp] [GRADEFLAGS=...] [COUNT=100] [PAR=1]"
	@echo
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{ printf "  %-14s %s\n", $$1, $$2 }'

grade: ## grade the labs: each test in its own process, then "Score: X/Y"
	$(GO) run ./grader $(LABFLAG) $(if $(TAGS),-tags $(TAGS)) $(if $(RUN),-run '$(RUN)') $(GRADEFLAGS)

test: ## go test -race on the student code, of LAB or of every package (the stubs fail until written)
	@pkgs="./..."; \
	if [ -n "$(LAB)" ]; then pkgs=$$($(GO) run ./grader list $(LABFLAG)) || exit 2; pkgs=$$(echo $$pkgs); fi; \
	echo "$(GO) test -race $$pkgs"; \
	$(GO) test -race $$pkgs

test-solution: ## go test -race ./... on the reference solutions
	$(GO) test -race -tags solution ./...

vet: ## go vet, then labvet (concurrency and RPC feedback) on the labs' code; the reference too where it is
	$(GO) vet ./...
	$(GO) vet -tags solution ./...
ifneq ($(PRIVATE),)
	$(GO) vet -tags private ./...
	$(GO) vet -tags solution,private ./...
endif
	@pkgs=$$($(GO) run ./grader list $(LABFLAG)) || exit 2; pkgs=$$(echo $$pkgs); \
	echo "$(GO) run ./labvet $$pkgs"; \
	$(GO) run ./labvet $$pkgs || { echo "labvet: the findings above are feedback on your code: docs/labvet.md tells what each means"; exit 1; }; \
	if [ -n "$$(ls */*_solution.go 2>/dev/null | head -n 1)" ]; then \
		echo "GOFLAGS=-tags=solution $(GO) run ./labvet $$pkgs"; \
		GOFLAGS=-tags=solution $(GO) run ./labvet $$pkgs; \
	fi

fmt-check: ## fail, listing them, if gofmt would change tracked .go files
	@files=$$( { git ls-files --cached --others --exclude-standard -- '*.go' 2>/dev/null || find . -name '*.go' -not -path './.git/*'; } \
		| while read -r f; do [ -f "$$f" ] && echo "$$f"; done | xargs -r $(GOFMT) -l ); \
	if [ -n "$$files" ]; then \
		echo "fmt-check: gofmt would change these files (run gofmt -w on them):"; \
		echo "$$files" | sed 's/^/  /'; \
		exit 1; \
	fi; \
	echo "fmt-check: ok"

check: ## the kit's self-check: fmt-check, vet, the kit's own tests, go run ./grader check
	@failed=""; \
	$(MAKE) --no-print-directory fmt-check || failed="$$failed fmt-check"; \
	$(MAKE) --no-print-directory vet || failed="$$failed vet"; \
	echo "$(GO) test -race -count=1 ./internal/... ./grader/... ./labvet/..."; \
	$(GO) test -race -count=1 ./internal/... ./grader/... ./labvet/... || failed="$$failed unit-tests"; \
	if [ -n "$(RELEASE_PKGS)" ]; then \
		echo "$(GO) test -race -count=1 $(RELEASE_PKGS)"; \
		$(GO) test -race -count=1 $(RELEASE_PKGS) || failed="$$failed release-tests"; \
	fi; \
	echo "$(GO) run ./grader check $(LABFLAG)"; \
	$(GO) run ./grader check $(LABFLAG) || failed="$$failed self-check"; \
	if [ -n "$$failed" ]; then echo "make check: FAIL:$$failed"; exit 1; fi; \
	echo "make check: PASS"

manifest: ## regenerate labs/manifest.sha256, the sums of the protected files; commit it with them
	$(GO) run ./grader manifest

release: ## course staff: write the student starter tree to OUT=DIR, verified (go run ./release -h)
	@test -d release || { echo "release: course staff only: this tree has no release/ tool"; exit 2; }
	@test -n "$(OUT)" || { echo "release: name the directory: make release OUT=../labs-student"; exit 2; }
	$(GO) run ./release -out '$(OUT)' $(if $(DOCLANG),-lang $(DOCLANG))

solution-branch: ## course staff: commit the references in place of the stubs on branch solution
	@test -d release || { echo "solution-branch: course staff only: this tree has no release/ tool"; exit 2; }
	$(GO) run ./release -solution-branch solution

gradescope: ## course staff: write Gradescope's autograder to ZIP (default autograder.zip)
	@test -d release || { echo "gradescope: course staff only: this tree has no release/ tool"; exit 2; }
	$(GO) run ./release -gradescope '$(ZIP)'

stress: ## run the reference suites COUNT times under -race, PAR runs side by side
	@pkgs=$$($(GO) run ./grader list $(LABFLAG)) || exit 2; \
	pkgs=$$(echo $$pkgs); \
	cmd="$(GO) test -race -tags $(STRESS_TAGS) -count=$(COUNT) -timeout=0 $$pkgs"; \
	echo "stress: $(PAR) x $$cmd"; \
	logs=$$(mktemp -d); pids=""; \
	for i in $$(seq $(PAR)); do $$cmd > "$$logs/$$i.log" 2>&1 & pids="$$pids $$!"; done; \
	i=0; bad=0; \
	for pid in $$pids; do \
		i=$$((i+1)); \
		if wait $$pid; then echo "stress: run $$i: ok"; \
		else bad=$$((bad+1)); echo "stress: run $$i: FAIL"; tail -n 60 "$$logs/$$i.log" | sed 's/^/  /'; fi; \
	done; \
	rm -rf "$$logs"; \
	if [ $$bad -gt 0 ]; then echo "stress: FAIL: $$bad of $(PAR) runs failed"; exit 1; fi; \
	echo "stress: PASS: $(PAR) x $(COUNT) runs of $$pkgs"
