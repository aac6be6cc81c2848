#!/bin/sh
# Runs every test: installs what they need (Debian packages, npm ci), builds the
# bundle, then the unit and golden tests (node), the service tests (bats under
# Debian's openrc-run) and the network lab (namespaces it makes itself; root).
# Usage: scripts/test.sh [unit|bats|lab]...   (default: all)
set -u
cd "$(dirname "$0")/.."

suites=${*:-unit bats lab}
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT INT TERM

sh scripts/install-test-deps.sh || { echo "test: installing the test dependencies failed" >&2; exit 1; }
npm run --silent build || { echo "test: the build failed" >&2; exit 1; }
npx tsc --noEmit || { echo "test: the type check failed" >&2; exit 1; }

passed=0
failed=0
skipped=0
count() { # $1: TAP file; adds its ok / not ok / skip lines
	s=$(grep -c '^ok .* # skip' "$1" || true)
	p=$(grep -c '^ok ' "$1" || true)
	f=$(grep -c '^not ok ' "$1" || true)
	passed=$((passed + p - s))
	failed=$((failed + f))
	skipped=$((skipped + s))
}

for suite in $suites; do
	case $suite in
	unit)
		echo "== unit and golden tests (node --test)"
		node --require ./tests/support/register-hbs.cjs --import tsx --test \
			--test-reporter=spec --test-reporter-destination=stdout \
			--test-reporter=tap --test-reporter-destination="$logs/unit.tap" \
			tests/unit/*.test.ts
		# node's TAP nests subtests; count the top-level summary instead
		p=$(sed -n 's/^# pass //p' "$logs/unit.tap" | tail -n 1)
		f=$(sed -n 's/^# fail //p' "$logs/unit.tap" | tail -n 1)
		s=$(sed -n 's/^# skipped //p' "$logs/unit.tap" | tail -n 1)
		passed=$((passed + ${p:-0}))
		failed=$((failed + ${f:-1}))
		skipped=$((skipped + ${s:-0}))
		;;
	bats | lab)
		dir=tests/$suite
		[ "$suite" = bats ] && name="service tests (bats, openrc-run)" || name="network lab (bats, namespaces)"
		set -- "$dir"/*.bats
		[ -e "$1" ] || continue
		echo "== $name"
		if [ "$suite" = lab ] && [ "$(id -u)" != 0 ]; then
			echo "test: the lab needs root (network namespaces); skipped" >&2
			continue
		fi
		bats --tap "$@" | tee "$logs/$suite.tap"
		count "$logs/$suite.tap"
		;;
	*)
		echo "test: unknown suite $suite; expected unit, bats or lab" >&2
		exit 2
		;;
	esac
done

echo "tests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
