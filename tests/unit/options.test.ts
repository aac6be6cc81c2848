// The command line's options are written once (src/options.ts): commander's
// program is declared from that table, and the plain parsers, which answer
// `get`, `render` and `apply` lines without commander, read the same entries.
// Here, commander is the judge: every option it holds is the table's, and every
// line the plain parsers take gives what commander's parse gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli';
import {
  APPLY_OPTIONS, CLIENTS_OPTIONS, DEFAULT_OPTIONS, GET_OPTIONS, GLOBAL_OPTIONS, IMAGE_OPTIONS, RENDER_OPTIONS,
  SERVICE_OPTIONS, STATUS_OPTIONS, TRACE_OPTIONS, type OptionSpec,
} from '../../src/options';
import { plainCommand } from '../../src/plain-command';
import { plainGet } from '../../src/get-fast';
import { plainRender } from '../../src/render-fast';
import { plainApply } from '../../src/commands/apply-line';

const OWN: Record<string, readonly OptionSpec[]> = {
  '': DEFAULT_OPTIONS, status: STATUS_OPTIONS, apply: APPLY_OPTIONS, render: RENDER_OPTIONS, check: [], get: GET_OPTIONS,
  clients: CLIENTS_OPTIONS, trace: TRACE_OPTIONS, image: IMAGE_OPTIONS, targets: [], service: SERVICE_OPTIONS,
};

test('every option commander holds is an entry of the table, in its order, with its key, value and help', () => {
  const program = buildProgram();
  for (const c of [program, ...program.commands]) {
    const name = c === program ? '' : c.name();
    assert.ok(Object.hasOwn(OWN, name), `the table has the options of "${name}"`);
    const held = c.options.filter((o) => o.long !== '--version').map((o) => ({
      long: o.long, short: o.short, takesValue: o.required || o.optional, key: o.attributeName(), help: o.description, negate: o.negate,
    }));
    const table = [...GLOBAL_OPTIONS, ...OWN[name]].map((o) => ({
      long: o.long, short: o.short, takesValue: !!o.value, key: o.key, help: o.help, negate: o.long.startsWith('--no-'),
    }));
    assert.deepEqual(held, table, name || 'the program');
  }
});

/** commander's options for this command line (program and command merged), as the command's action sees them. */
async function commanderOpts(args: string[]): Promise<Record<string, unknown>> {
  const program = buildProgram();
  let seen: Record<string, unknown> | undefined;
  for (const c of program.commands) c.action((...a: unknown[]) => { seen = (a[a.length - 1] as Command).optsWithGlobals(); });
  await program.parseAsync(args, { from: 'user' });
  assert.ok(seen, `commander ran a command for ${args.join(' ')}`);
  return seen;
}

/** A value of the right kind for an option, in each spelling commander takes. */
function spellings(o: OptionSpec): string[][] {
  const names = o.short ? [o.long, o.short] : [o.long];
  if (!o.value) return names.map((n) => [n]);
  return [...names.map((n) => [n, `v-${o.key}`]), [`${o.long}=v-${o.key}`], [o.long, '-starts-with-a-dash']];
}

test('every option in every spelling: the plain parsers take it as commander does, before and after the command word', async () => {
  const lines: [string, string[], string[]][] = [['get', [], ['tftp.root']], ['render', [], ['dhcpd']], ['apply', [], []]];
  let checked = 0;
  for (const [command, , words] of lines) {
    const cases: string[][] = [];
    for (const o of GLOBAL_OPTIONS) for (const s of spellings(o)) cases.push([...s, command, ...words], [command, ...words, ...s]);
    for (const o of OWN[command]) for (const s of spellings(o)) cases.push([command, ...words, ...s]);
    // all of them at once
    cases.push([...GLOBAL_OPTIONS.flatMap((o) => spellings(o)[0]), command, ...words, ...OWN[command].flatMap((o) => spellings(o)[0])]);
    for (const args of cases) {
      const plain = plainCommand(args, command, OWN[command]);
      assert.ok(plain, `plain: ${args.join(' ')}`);
      assert.deepEqual(plain.words, words, args.join(' '));
      const mine: Record<string, unknown> = { ...plain.opts, ...plain.own };
      const theirs = await commanderOpts(args);
      for (const [k, v] of Object.entries(theirs)) {
        // commander's defaults for --no- flags that were not given: the plain parsers leave them out
        if (!Object.hasOwn(mine, k) && v === true && [...GLOBAL_OPTIONS, ...OWN[command]].some((o) => o.key === k && o.long.startsWith('--no-'))) continue;
        assert.deepEqual(mine[k], v, `${args.join(' ')}: ${k}`);
      }
      for (const k of Object.keys(mine)) assert.ok(Object.hasOwn(theirs, k), `${args.join(' ')}: commander has ${k}`);
      checked++;
    }
  }
  assert.ok(checked > 60, `${checked} lines`);
});

test('the fast paths read their own options from the table', () => {
  assert.deepEqual(plainGet(['get', '--shell', 'tftp', 'server']), { opts: {}, keys: ['tftp', 'server'], shell: true });
  assert.deepEqual(plainRender(['render', 'nbd', '--path', '/etc/nbd-server/config', '-n']), { opts: { dryRun: true }, target: 'nbd', path: '/etc/nbd-server/config' });
  assert.deepEqual(plainApply(['apply', '--no-check', '--only=a,b', '--diff', '--force'])?.own, { check: false, only: 'a,b', diff: true, force: true });
  // an option of another command is not one of these
  assert.equal(plainRender(['render', 'dhcpd', '--shell']), null);
  assert.equal(plainGet(['get', 'k', '--path', 'p']), null);
  assert.equal(plainApply(['apply', '--json']), null);
});
