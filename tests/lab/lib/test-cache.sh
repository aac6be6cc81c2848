# shellcheck shell=sh
# The lab's cache of what is slow to build (kernels, initramfs, client roots),
# outside the repository and shared by every checkout; sourced by
# pxe-cache.sh and client-root.sh. Sets $cache: $LTSP_TEST_CACHE, else
# /var/cache/ltsp-ts-tests (root) or ${XDG_CACHE_HOME:-~/.cache}/ltsp-ts-tests.
# Every entry is keyed by its inputs; never delete another checkout's.
if [ -n "${LTSP_TEST_CACHE:-}" ]; then
	cache=$LTSP_TEST_CACHE
elif [ "$(id -u)" = 0 ]; then
	cache=/var/cache/ltsp-ts-tests
else
	cache=${XDG_CACHE_HOME:-$HOME/.cache}/ltsp-ts-tests
fi
mkdir -p "$cache"
