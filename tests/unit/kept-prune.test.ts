// Kept answers (src/system/site-cache.ts) are bounded: a lab that stages many roots must not fill
// /var/cache. Runs that write a kept file prune; a run the launcher answers from one does not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KEPT_MAX_FILES } from '../../src/system/site-cache';
import { REPO, ltspcfg, scratch } from '../support/cli';

const WIKI = join(REPO, 'examples/wiki-sample.toml');
const keptFiles = (cache: string) => readdirSync(cache).filter((f) => f.startsWith('ltspcfg-ts-site-')).sort();

test('kept answers are bounded: those of gone site files go first, then the least recently written; never on the kept path', () => {
  const base = scratch('ltspcfg-kept-prune-');
  try {
    const cache = join(base, 'cache');
    mkdirSync(cache, { mode: 0o700 });
    const env = { LTSPCFG_CODE_CACHE: cache } as NodeJS.ProcessEnv;
    const site = join(base, 'site.toml');
    copyFileSync(WIKI, site);
    const get = (config: string) => ltspcfg(['--config', config, 'get', 'tftp.root'], { env });
    assert.equal(get(site).stdout, '/tftpboot\n');
    const [real] = keptFiles(cache);
    const header = JSON.parse(readFileSync(join(cache, real), 'utf8').split('\n')[0]) as { config: string };
    /** n kept files of other site files (existing or gone), written `age` seconds ago */
    const fill = (prefix: string, n: number, config: string, age: number) => {
      const when = Date.now() / 1000 - age;
      for (let i = 0; i < n; i++) {
        const file = join(cache, `ltspcfg-ts-site-get-${prefix}${String(i).padStart(4, '0')}.json`);
        writeFileSync(file, `${JSON.stringify({ ...header, config })}\n{}`, { mode: 0o600 });
        utimesSync(file, when - i, when - i);
      }
    };
    const other = join(base, 'other.toml');
    copyFileSync(WIKI, other);
    fill('gone', 100, join(base, 'gone.toml'), 3600);
    fill('live', 200, other, 7200);
    assert.equal(keptFiles(cache).length, 301);

    // answered from the kept file: nothing pruned, however many there are
    assert.equal(get(site).stdout, '/tftpboot\n');
    assert.equal(keptFiles(cache).length, 301, 'the kept path prunes nothing');

    // a changed site file is parsed and kept again: the prune runs
    writeFileSync(site, readFileSync(WIKI, 'utf8') + '\n# changed\n');
    assert.equal(get(site).stdout, '/tftpboot\n');
    const after = keptFiles(cache);
    assert.ok(after.includes(real), 'the file just written stays');
    assert.equal(after.filter((f) => f.includes('-gone')).length, 0, 'every kept file of a gone site file went');
    const floor = Math.floor((KEPT_MAX_FILES * 3) / 4);
    assert.equal(after.length, floor, 'then the least recently written, down to three quarters of the bound');
    assert.deepEqual(after.filter((f) => f.includes('-live')), Array.from({ length: floor - 1 }, (_, i) => `ltspcfg-ts-site-get-live${String(i).padStart(4, '0')}.json`), 'the oldest went');

    // past the bound with live ones only: the least recently used go, down to three quarters; a file
    // read lately (its atime, which relatime moves at least daily) counts as used, however old its write
    const readLately = `ltspcfg-ts-site-get-live${String(floor - 2).padStart(4, '0')}.json`;
    const written = statSync(join(cache, readLately)).mtime;
    utimesSync(join(cache, readLately), new Date(), written);
    fill('more', 150, other, 60);
    writeFileSync(site, readFileSync(WIKI, 'utf8') + '\n# changed again\n');
    assert.equal(get(site).stdout, '/tftpboot\n');
    const bounded = keptFiles(cache);
    assert.equal(bounded.length, floor);
    assert.ok(bounded.includes(real));
    assert.equal(bounded.filter((f) => f.includes('-more')).length, 150, 'the newest stay');
    assert.equal(bounded.filter((f) => f.includes('-live')).length, floor - 151, 'the oldest went');
    assert.ok(bounded.includes(readLately), 'the one read lately stayed, the oldest written of all');
    assert.ok(!bounded.includes(`ltspcfg-ts-site-get-live${String(floor - 3).padStart(4, '0')}.json`), 'the next oldest went in its place');
    // and the answers still come
    assert.equal(ltspcfg(['--config', other, 'get', 'tftp.root'], { env }).stdout, '/tftpboot\n');
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
