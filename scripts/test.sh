#!/bin/sh
# Runs every test: installs what they need (Debian packages, npm ci), builds the
# bundle, then the unit and golden tests (node), the service tests (bats under
# Debian's openrc-run) and the network lab (namespaces it makes itself; root).
# Usage: scripts/test.sh [unit|bats|lab]...   (default: all; npm test and
# npm run test:unit|test:bats|test:lab call this script)
#
# Every planned test ends up in the last line as passed, failed or skipped: a
# skipped test (or a whole suite that cannot run) is counted with its reason,
# and a file that plans more tests than it reports (a crash) counts the missing
# ones as failed. UPDATE_GOLDEN=1 rewrites the golden files that differ and
# fails the run (tests/support/golden.ts).
set -u
cd "$(dirname "$0")/.." || exit 1

suites=${*:-unit bats lab}
for suite in $suites; do
	case $suite in
	unit | bats | lab) ;;
	*)
		echo "test: unknown suite $suite; expected unit, bats or lab" >&2
		exit 2
		;;
	esac
done

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
trap 'exit 130' INT TERM

sh scripts/install-test-deps.sh || { echo "test: installing the test dependencies failed" >&2; exit 1; }
npm run --silent build || { echo "test: the build failed" >&2; exit 1; }
npx tsc --noEmit || { echo "test: the type check failed" >&2; exit 1; }
# No test opens a TLS connection, and node 20 parses the whole bundle named by
# NODE_EXTRA_CA_CERTS at every start (about 70 ms): the suites start node
# thousands of times. npm ci above still had it.
unset NODE_EXTRA_CA_CERTS
# The CLI keeps its code cache and one file of kept answers per site file and
# --root (src/launch.ts, src/system/site-cache.ts); the tests make thousands of
# scratch sites, so they keep them in this run's own directory, not in the
# machine's /var/cache/ltsp-ts. Tests of the cache itself set their own.
LTSPCFG_CODE_CACHE=$logs/code-cache
mkdir -m 0700 "$LTSPCFG_CODE_CACHE" || exit 1
export LTSPCFG_CODE_CACHE

passed=0
failed=0
skipped=0
: >"$logs/skips"    # suite<TAB>reason, one line a skipped test
: >"$logs/problems" # what failed outside a test, one line each

problem() {
	echo "$*" >>"$logs/problems"
}

# $1 suite, $2 TAP file, $3 the runner's exit status. Counts the top-level
# ok / not ok / skip lines, compares them with the plan, records skip reasons.
count() {
	plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\)$/\1/p' "$2" | tail -n 1)
	s=$(grep -ciE '^ok [0-9]+( -)? .*# skip' "$2")
	p=$(grep -c '^ok ' "$2")
	f=$(grep -c '^not ok ' "$2")
	grep -iE '^ok [0-9]+( -)? .*# skip' "$2" | sed -E "s/^.*# [sS][kK][iI][pP]:? ?(.*)$/$1	\\1/; s/	$/	(no reason given)/" >>"$logs/skips"
	passed=$((passed + p - s))
	failed=$((failed + f))
	skipped=$((skipped + s))
	if [ -z "$plan" ]; then
		problem "$1: no TAP plan: the runner crashed before it planned its tests"
		failed=$((failed + 1))
	elif [ "$plan" -ne $((p + f)) ]; then
		problem "$1: $plan tests planned, $((p + f)) reported: the missing ones count as failed"
		[ "$plan" -gt $((p + f)) ] && failed=$((failed + plan - p - f))
		[ "$plan" -lt $((p + f)) ] && failed=$((failed + 1))
	fi
	if [ "$3" -ne 0 ] && [ "$f" -eq 0 ]; then
		problem "$1: the runner exited with status $3 and no failed test"
		failed=$((failed + 1))
	fi
}

times=""
# $1 TAP file: its five slowest top-level tests, from node's duration_ms or bats' --timing
slowest() {
	awk '
		/^(not )?ok [0-9]+/ {
			name = $0; sub(/^(not )?ok [0-9]+( -)? /, "", name); sub(/ # [sS][kK][iI][pP].*$/, "", name)
			if (match(name, / in [0-9]+ms$/)) { ms = substr(name, RSTART + 4); sub(/ms$/, "", ms); name = substr(name, 1, RSTART - 1); printf "%d\t%s\n", ms, name }
			next
		}
		/^  duration_ms: / { printf "%d\t%s\n", $2, name }
	' "$1" | sort -rn | head -n 5 | awk -F '\t' '{ printf "  %6.1f s  %s\n", $1 / 1000, substr($2, 1, 110) }'
}

for suite in $suites; do
	suite_start=$(date +%s)
	case $suite in
	unit)
		echo "== unit and golden tests (node --test)"
		: >"$logs/golden-rewritten"
		GOLDEN_REWRITTEN_LOG="$logs/golden-rewritten" \
			node --require ./tests/support/register-hbs.cjs --import tsx --test \
			--test-reporter=spec --test-reporter-destination=stdout \
			--test-reporter=tap --test-reporter-destination="$logs/unit.tap" \
			tests/unit/*.test.ts
		rc=$?
		count unit "$logs/unit.tap" "$rc"
		# node's own totals: a cancelled test (a file that crashed) is a failure
		c=$(sed -n 's/^# cancelled //p' "$logs/unit.tap" | tail -n 1)
		if [ "${c:-0}" -gt 0 ]; then
			problem "unit: $c tests cancelled"
			failed=$((failed + c))
		fi
		n=$(wc -l <"$logs/golden-rewritten")
		[ "$n" -gt 0 ] && problem "unit: $n golden files rewritten (UPDATE_GOLDEN=1); review the diff (git diff tests/golden) and run again without UPDATE_GOLDEN"
		;;
	bats | lab)
		dir=tests/$suite
		[ "$suite" = bats ] && name="service tests (bats, openrc-run)" || name="network lab (bats, namespaces)"
		set -- "$dir"/*.bats
		[ -e "$1" ] || continue
		echo "== $name"
		# without root every file skips its tests itself (skip_file in tests/support/bats.bash), counted below
		# bounded: a daemon a test leaves holding bats' fd 3 would make bats wait forever;
		# the timeout turns that into a failed run (status 124) instead of a hung one
		timeout --kill-after=30 "${LTSP_SUITE_TIMEOUT:-3000}" bats --tap --timing "$@" >"$logs/$suite.tap"
		rc=$?
		[ "$rc" -ne 124 ] || problem "$suite: still running after ${LTSP_SUITE_TIMEOUT:-3000} s; stopped"
		cat "$logs/$suite.tap"
		count "$suite" "$logs/$suite.tap" "$rc"
		;;
	esac
	times="$times $suite $(($(date +%s) - suite_start)) s,"
	if [ -s "$logs/$suite.tap" ]; then
		echo "slowest $suite tests:"
		slowest "$logs/$suite.tap"
	fi
done

if [ -s "$logs/skips" ]; then
	echo "skipped, by suite and reason:"
	sort "$logs/skips" | uniq -c | sed -E 's/^ *([0-9]+) ([^	]*)	(.*)$/  \2: \1 skipped: \3/'
fi
if [ -s "$logs/problems" ]; then
	echo "problems outside the tests:"
	sed 's/^/  /' "$logs/problems"
	[ "$failed" -gt 0 ] || failed=1
fi
echo "time by suite:${times%,}"
echo "tests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
