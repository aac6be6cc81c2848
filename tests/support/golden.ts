// Golden files: tests/golden/<example>/<path on the system>.
//
// `UPDATE_GOLDEN=1 ./scripts/test.sh unit` rewrites the golden files that differ, and every test
// that rewrote one fails: an update run can never make a changed output pass. Review the diff
// (git diff tests/golden), then run again without the variable. Any other value is refused, and so
// is an update run where CI is set.
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { parseSite } from '../../src/site/load';
import type { Site } from '../../src/site/types';
import { REPO } from './cli';

/** every examples/*.toml, parsed */
export function examples(): { name: string; site: Site }[] {
  return readdirSync(join(REPO, 'examples'))
    .filter((f) => f.endsWith('.toml'))
    .sort()
    .map((f) => {
      const file = `examples/${f}`;
      return { name: basename(f, '.toml'), site: parseSite(readFileSync(join(REPO, file)), file).site };
    });
}

export function fixture(name: string): string {
  return readFileSync(join(REPO, 'tests/fixtures/system', name), 'utf8');
}

/** true in an update run; throws (failing the test) on a value other than 1, or under CI */
function updating(): boolean {
  const value = process.env.UPDATE_GOLDEN;
  if (value === undefined || value === '') return false;
  if (value !== '1') assert.fail(`UPDATE_GOLDEN=${JSON.stringify(value)}: set it to 1 to rewrite the golden files, or unset it`);
  if (process.env.CI) assert.fail('UPDATE_GOLDEN=1 is refused where CI is set: golden files are rewritten on a developer\'s machine and reviewed');
  return true;
}

let rewritten = 0;

process.on('exit', () => {
  if (rewritten === 0) return;
  process.stderr.write(`golden: ${rewritten} golden file${rewritten === 1 ? '' : 's'} rewritten; review the diff (git diff tests/golden) and run again without UPDATE_GOLDEN\n`);
  process.exitCode = 1;
});

export function golden(example: string, path: string, content: string): void {
  const file = join(REPO, 'tests/golden', example, path);
  const name = relative(REPO, file);
  const expected = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  if (updating() && content !== expected) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
    rewritten++;
    // scripts/test.sh counts the rewritten files of every test process
    if (process.env.GOLDEN_REWRITTEN_LOG) appendFileSync(process.env.GOLDEN_REWRITTEN_LOG, `${name}\n`);
    assert.fail(`${name} rewritten (UPDATE_GOLDEN=1); review the diff and run again without UPDATE_GOLDEN`);
  }
  if (expected === undefined) assert.fail(`${name} is missing (UPDATE_GOLDEN=1 ./scripts/test.sh unit writes it, and fails until you run again)`);
  assert.equal(content, expected, `${name} differs (UPDATE_GOLDEN=1 ./scripts/test.sh unit rewrites it, and fails until you run again)`);
}
