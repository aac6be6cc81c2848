// What every command starts from: the options, the configured system and the site.
import { DEFAULT_CONFIG, MAX_SITE_BYTES, readSiteFile, siteFileOf, SiteFileError } from '../system/sitefile';
import { parseSite, siteOrigin, type LoadedSite } from '../site/load';
import { SiteError, UsageError } from '../errors';
import { rootProblem, SystemRoot, systemRootAt } from '../system/fsroot';
import { detectPlatform } from '../system/platform';
import { resolve } from 'node:path';
import type { Platform } from '../targets/types';
import type { Site } from '../site/types';
import { readKept, siteCacheRef, writeKept } from '../system/site-cache';
import { collectStageGarbage } from '../system/heap';

/** The largest site.toml whose validated Site is kept (about 10,000 hosts). */
const KEPT_SITE_MAX_BYTES = 1 << 20;

export interface GlobalOptions {
  gentoo?: boolean;
  config?: string;
  root?: string;
  yes?: boolean;
  dryRun?: boolean;
  color?: boolean;
}

export interface Context {
  opts: GlobalOptions;
  sys: SystemRoot;
  platform: Platform;
  /** the site file, as this machine reaches it */
  configPath: string;
  /** the site file, as the configured system knows it: what generated files name */
  configName: string;
}

/**
 * The site file as the configured system knows it, as Portage's ROOT means (what the headers of
 * generated files name, so that a root staged under --root is the same when copied into place):
 * the default site file; an explicit --config under --root without the root's prefix; any other
 * --config as given (the only name it has).
 */
export function siteNameOf(sys: SystemRoot, config: string | undefined): string {
  if (config === undefined) return DEFAULT_CONFIG;
  if (sys.root === '/') return config;
  const file = resolve(config);
  return file.startsWith(`${sys.root}/`) ? file.slice(sys.root.length) : config;
}

export function makeContext(opts: GlobalOptions): Context {
  const sys = systemRootAt(opts.root);
  if (!sys) throw new UsageError(`--root ${opts.root || '""'}: ${rootProblem(opts.root ?? '')}; expected an existing directory to stage the system in`);
  if (opts.config === '') throw new UsageError('--config "": it is empty; expected the path of a site.toml (without --config: /etc/ltsp/site.toml under --root)');
  const configPath = siteFileOf(sys, opts.config);
  let platform: Platform | undefined;
  return {
    opts,
    sys,
    configPath,
    configName: siteNameOf(sys, opts.config),
    // read on first use: `get` never needs it
    get platform() {
      platform ??= detectPlatform(sys, !!opts.gentoo);
      return platform;
    },
  };
}

const sites = new WeakMap<Context, Site>();

/**
 * The validated site of this run: read, parsed and validated once, whichever
 * commands ask; for an unchanged site.toml, the Site the last run kept. Only
 * the Site is kept: the raw tables are garbage from here on (at 100,000 hosts
 * they weigh as much as the Site itself).
 */
export function siteOf(ctx: Context): Site {
  let site = sites.get(ctx);
  if (!site) {
    site = keptSiteFrom(ctx).value;
    sites.set(ctx, site);
    // the TOML tables and the schema's copies are garbage now: returned before planning allocates
    collectStageGarbage(site);
  }
  return site;
}

/** The validated Site, kept for the next run on the same bytes, and those bytes (see keptOrMadeFrom). */
export function keptSiteFrom(ctx: Context): { value: Site; bytes: Buffer | null } {
  return keptOrMadeFrom(ctx, 'site', (loaded) => loaded.site, {
    // kept without the file's hash (computing it loads node:crypto, which a render does not need), and
    // each host once: a group keeps its number of hosts, which are the next ones of site.hosts
    store: (site) => ({ ...site, source: { file: site.source.file, name: site.source.name }, groups: site.groups.map((g) => ({ name: g.name, hosts: g.hosts.length })) }),
    restore: (kept, bytes) => {
      let next = 0;
      const groups = (kept.groups as unknown as { name: string; hosts: number }[]).map((g) => ({ name: g.name, hosts: kept.hosts.slice(next, (next += g.hosts)) }));
      return { ...kept, source: siteOrigin(kept.source.file, bytes, kept.source.name), groups };
    },
  });
}

/** The site and its schema-checked tables (what `get` reads), from the file. */
export function loadSite(ctx: Context): LoadedSite {
  return parseSiteBytes(ctx, readSiteBytes(ctx));
}

/** The bytes of the site file; SiteError when it cannot be read. */
export function readSiteBytes(ctx: Context): Buffer {
  try {
    return readSiteFile(ctx.configPath);
  } catch (e) {
    if (!(e instanceof SiteFileError)) throw e;
    throw new SiteError([{ file: ctx.configPath, position: { line: 0, col: 0 }, key: '', problem: `cannot read the site file: ${e.message}`, expected: `expected a readable site.toml, a regular file of at most ${MAX_SITE_BYTES / 1048576} MiB (--config FILE, default ${DEFAULT_CONFIG})` }]);
  }
}

/** The site from the site file's bytes (loadSite's second half). */
export function parseSiteBytes(ctx: Context, bytes: Buffer): LoadedSite {
  return parseSite(bytes, ctx.configPath, (p) => ctx.sys.realPath(p), ctx.configName);
}

/**
 * What `make` gives for the site file, kept for the next run on the same bytes when the launcher
 * keeps caches (src/system/site-cache.ts): from the kept file when it fits, else from the file
 * parsed and validated (SiteError when invalid: nothing is kept then).
 */
export function keptOrMade<T>(ctx: Context, kind: 'get' | 'site', make: (loaded: LoadedSite) => T): T {
  return keptOrMadeFrom(ctx, kind, make).value;
}

/** How a value is kept: a form JSON gives back (store), and the value again from it and the site bytes (restore). */
interface KeptForm<T> {
  store(value: T): unknown;
  restore(kept: T, bytes: Buffer): T;
}

/** keptOrMade, with the site file's bytes it was made from (null when the launcher keeps no caches). */
export function keptOrMadeFrom<T>(ctx: Context, kind: 'get' | 'site', make: (loaded: LoadedSite) => T, form?: KeptForm<T>): { value: T; bytes: Buffer | null } {
  const ref = siteCacheRef();
  if (!ref) return { value: make(loadSite(ctx)), bytes: null };
  const bytes = readSiteBytes(ctx);
  // a Site is kept as JSON, made whole in memory beside it: for the sites where parsing is
  // a real share of a run, not for the largest, whose peak it would raise
  if (kind === 'site' && bytes.length > KEPT_SITE_MAX_BYTES) return { value: make(parseSiteBytes(ctx, bytes)), bytes };
  const realPath = (p: string) => ctx.sys.realPath(p);
  const kept = readKept<T>(ref, kind, ctx.configPath, ctx.sys.root, bytes, realPath);
  if (kept !== null) return { value: form ? form.restore(kept, bytes) : kept, bytes };
  const loaded = parseSiteBytes(ctx, bytes);
  const made = make(loaded);
  const tftpRoot = loaded.site.tftp.root;
  writeKept(ref, kind, ctx.configPath, ctx.sys.root, bytes, { tftpRoot, tftpReal: realPath(tftpRoot), kept: form ? form.store(made) : made });
  return { value: made, bytes };
}
