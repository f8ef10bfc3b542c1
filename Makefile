# Builds the Lambda functions (zips for the provided.al2023 runtime) and the
# ECS task binaries. Outputs go to dist/ (gitignored).
#
#   make lambdas        every function for arm64 and amd64: dist/<name>-<arch>.zip
#   make lambdas ARCHES=arm64
#   make ecs-restore    dist/ecs-restore-<arch> (static; for a distroless image)
#   make ecs-direct     dist/ecs-direct-<arch>, the direct chain's task (static)
#   make test-examples  the examples' tests (the emulator tests included)
#   make rie            install AWS's Lambda Runtime Interface Emulator
#   make test-emulator  run the Lambda binaries under the emulator only
#   make bench-direct   the direct chain's benchmark, S3 against local disk
#                       (BenchmarkDirect: one process per run, ROUNDS rounds)
#   make clean

GO       ?= go
ARCHES   ?= arm64 amd64
LAMBDAS  := dump-uploaded snapshot-ready export-check direct
DIST     := dist
GOFLAGS_BUILD := -trimpath -ldflags='-s -w' -tags lambda.norpc

.PHONY: all lambdas ecs-restore ecs-direct test-examples rie test-emulator bench-direct clean

all: lambdas ecs-restore ecs-direct

lambdas: $(foreach a,$(ARCHES),$(foreach l,$(LAMBDAS),$(DIST)/$(l)-$(a).zip))

# One zip per function and architecture, holding only "bootstrap", as the
# provided.al2023 runtime wants. CGO is off so the binary is static.
$(DIST)/%.zip: FORCE
	@command -v zip >/dev/null || { echo "zip not found (apt-get install zip)"; exit 1; }
	@name=$$(echo $* | sed -E 's/-(arm64|amd64)$$//'); arch=$$(echo $* | sed -E 's/.*-(arm64|amd64)$$/\1/'); \
	dir=$(DIST)/build/$$name-$$arch; mkdir -p $$dir; \
	echo "build $$name linux/$$arch"; \
	GOOS=linux GOARCH=$$arch CGO_ENABLED=0 $(GO) build $(GOFLAGS_BUILD) -o $$dir/bootstrap ./examples/lambda/$$name && \
	rm -f $@ && zip -q -j -X $@ $$dir/bootstrap && echo "  -> $@"

ecs-restore: $(foreach a,$(ARCHES),$(DIST)/ecs-restore-$(a))

$(DIST)/ecs-restore-%: FORCE
	@mkdir -p $(DIST)
	GOOS=linux GOARCH=$* CGO_ENABLED=0 $(GO) build -trimpath -ldflags='-s -w' -o $@ ./examples/ecs-restore

ecs-direct: $(foreach a,$(ARCHES),$(DIST)/ecs-direct-$(a))

$(DIST)/ecs-direct-%: FORCE
	@mkdir -p $(DIST)
	GOOS=linux GOARCH=$* CGO_ENABLED=0 $(GO) build -trimpath -ldflags='-s -w' -o $@ ./examples/ecs-direct

test-examples:
	$(GO) test ./examples/lambda/... ./examples/ecs-restore/... ./examples/ecs-direct/...

# The emulator tests install aws-lambda-rie themselves when it is missing;
# this does it ahead of time (into $(go env GOPATH)/bin).
rie:
	$(GO) install github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@latest

test-emulator:
	$(GO) test -count=1 -v -run Emulator ./examples/lambda/emulator/

# One dump (DUMP_SIZE of SQL), then ROUNDS rounds of local, s3 and
# s3-server-apart, each run in a process of its own; compare medians.
DUMP_SIZE ?= 320MB
ROUNDS    ?= 5
bench-direct:
	@mkdir -p $(DIST)/bench
	$(GO) build -o $(DIST)/bench/liberator ./examples/liberator
	$(GO) test -c -o $(DIST)/bench/handlers.test ./examples/lambda/handlers
	test -f $(DIST)/bench/liberator_dump_20261124.zip || $(DIST)/bench/liberator gendump --out $(DIST)/bench/liberator_dump_20261124.zip --size $(DUMP_SIZE)
	cd $(DIST)/bench && for r in $$(seq $(ROUNDS)); do for v in local s3 s3-server-apart; do \
		LIBERATOR_BENCH_DUMP_FILE=$$PWD/liberator_dump_20261124.zip ./handlers.test -test.run '^$$' -test.bench "BenchmarkDirect$$/$$v$$" -test.benchtime 1x | grep '^Benchmark'; \
	done; done

clean:
	rm -rf $(DIST)

FORCE:
