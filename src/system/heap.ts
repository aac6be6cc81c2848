// A full garbage collection between two stages of a run on a large site. V8
// collects the old generation only once it reaches a limit it sets from what
// survived the last collection; the stages of an apply each leave megabytes
// behind that nothing refers to any more (the TOML tables once the Site is
// built, the templates' intermediate strings once the plan is made), and the
// next stage's allocations then raise the peak above them. Collecting at the
// boundary returns them first: at 20,000 hosts about 20 MB less peak RSS, for
// a collection of ~10 MB of live data (a few ms), which V8 would run later anyway.

/** Below this many hosts (about 1 MB of site.toml), a stage leaves too little behind to be worth a collection. */
export const COLLECT_FROM_HOSTS = 10_000;

let collect: (() => void) | null | undefined;

/** V8's collector: node exposes it only with --expose-gc, which is set for as long as it takes to get it. */
function collector(): (() => void) | null {
  if (collect !== undefined) return collect;
  collect = null;
  try {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const v8 = require('node:v8') as typeof import('node:v8');
    const { runInNewContext } = require('node:vm') as typeof import('node:vm');
    /* eslint-enable @typescript-eslint/no-require-imports */
    v8.setFlagsFromString('--expose-gc');
    try {
      const gc = runInNewContext('gc') as unknown;
      if (typeof gc === 'function') collect = gc as () => void;
    } finally {
      // the flags are part of a code cache's key: as they were, the launcher's cache still fits
      v8.setFlagsFromString('--no-expose-gc');
    }
  } catch {
    // no collection: only the peak is higher
  }
  return collect;
}

/** Collects the garbage a stage left, on a site of many hosts. */
export function collectStageGarbage(site: { hosts: unknown[] }): void {
  if (site.hosts.length >= COLLECT_FROM_HOSTS) collector()?.();
}
