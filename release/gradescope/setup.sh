#!/usr/bin/env bash
# setup.sh: prepares a Gradescope autograder image for the labs. Gradescope
# runs it once, as root, from /autograder/source. It installs Go {{.GoVersion}}
# (the go.mod version) from the official tarball when go is missing or older,
# gcc (the race detector needs cgo) and bubblewrap (the grader's sandbox) when
# they are missing, then fetches the
# kit's modules and builds it once so that grading starts warm. Running it
# again changes nothing.
set -euo pipefail

GO_VERSION="${GO_VERSION:-{{.GoVersion}}}"
SOURCE="$(cd "$(dirname "$0")" && pwd)"
export PATH="/usr/local/go/bin:$PATH"

# version_at_least A B: whether version A >= B (dotted numbers).
version_at_least() {
	[ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n 1)" = "$2" ]
}

apt_install() {
	if ! command -v apt-get >/dev/null 2>&1; then
		echo "setup.sh: need $*, and there is no apt-get to install it: install it by hand" >&2
		exit 1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

have_go=""
if command -v go >/dev/null 2>&1; then
	have_go="$(go env GOVERSION 2>/dev/null | sed 's/^go//')"
fi
if [ -z "$have_go" ] || ! version_at_least "$have_go" "$GO_VERSION"; then
	command -v curl >/dev/null 2>&1 || apt_install curl ca-certificates
	case "$(uname -m)" in
	x86_64 | amd64) arch=amd64 ;;
	aarch64 | arm64) arch=arm64 ;;
	*) echo "setup.sh: no Go tarball for machine $(uname -m): install Go $GO_VERSION by hand" >&2; exit 1 ;;
	esac
	url="https://go.dev/dl/go${GO_VERSION}.linux-${arch}.tar.gz"
	echo "setup.sh: installing Go $GO_VERSION from $url"
	tmp="$(mktemp)"
	curl -fsSL -o "$tmp" "$url"
	rm -rf /usr/local/go
	tar -C /usr/local -xzf "$tmp"
	rm -f "$tmp"
	ln -sf /usr/local/go/bin/go /usr/local/bin/go
fi
go version

if ! command -v gcc >/dev/null 2>&1; then
	apt_install gcc libc6-dev
fi
gcc --version | sed -n 1p

# bubblewrap isolates each test process where the container lets it create
# namespaces; where it cannot, the grader says so in one line and grades in
# the container, which Gradescope gives each submission alone.
if ! command -v bwrap >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
	{ DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap; } ||
		echo "setup.sh: could not install bubblewrap: tests will run unsandboxed" >&2
fi

# Build a copy of the kit where run_autograder grades, with its flags, so
# that grading finds the build cache warm.
work="$(dirname "$SOURCE")/grading"
rm -rf "$work"
mkdir -p "$work"
cp -a "$SOURCE/kit/." "$work/"
cd "$work"
export GOTOOLCHAIN=local GOFLAGS=-buildvcs=false
go mod download
go build ./...
go build -o /dev/null ./grader
for pkg in $(go run ./grader list); do
	go test -race -c -o /dev/null "$pkg"
done
echo "setup.sh: ready"
