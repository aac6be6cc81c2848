#!/usr/bin/env node
// Makes the release distfile ltsp-ts-VERSION.tar.xz, the one file the ebuild
// fetches, and the Manifest line that goes with it.
//
//   node scripts/dist.mjs            refresh: the generated parts of the man page and
//                                    the bash completion, dist/ltsp-ts-VERSION.tar.xz and
//                                    the DIST line of net-misc/ltsp-ts/Manifest
//   node scripts/dist.mjs --out DIR  only write the tarball into DIR (touches nothing else)
//   node scripts/dist.mjs --check    build it in a scratch directory and exit 1 when the
//                                    committed Manifest, man page or completion is stale
//
// The tarball is reproducible: the same sources give the same bytes. The bundle is
// built by scripts/build.mjs in a scratch directory; entries are sorted by name,
// owned by root:root (0:0), with fixed modes and one fixed mtime (not the commit
// date), and compressed by one xz thread without a timestamp.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync,
  rmSync, statSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const REFRESH = 'npm run dist';
/** 2026-01-01T00:00:00Z: the mtime of every entry, whatever the commit date. */
export const MTIME = 1767225600;
const CATPKG = 'net-misc/ltsp-ts';
const MAN = 'man/ltspcfg-ts.8';
const COMPLETION = 'completion/ltspcfg-ts.bash';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
export const VERSION = pkg.version;
export const P = `ltsp-ts-${VERSION}`;
export const TARBALL = `${P}.tar.xz`;

function die(msg) {
  process.stderr.write(`dist: ${msg}\n`);
  process.exit(1);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: opts.encoding ?? 'utf8', maxBuffer: 256 << 20, ...opts });
  if (r.error) die(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) die(`${cmd} ${args.join(' ')} failed (${r.status}): ${String(r.stderr).trim()}`);
  return r.stdout;
}

/** Builds dist/ltspcfg-ts.js (and the bundle beside it) with the project's own build script, in a scratch directory. */
function buildBundle(work) {
  const b = join(work, 'build');
  mkdirSync(join(b, 'dist'), { recursive: true });
  for (const name of ['src', 'scripts', 'node_modules', 'package.json', 'tsconfig.json']) {
    symlinkSync(join(ROOT, name), join(b, name));
  }
  run(process.execPath, ['scripts/build.mjs'], { cwd: b });
  return join(b, 'dist', 'ltspcfg-ts.js');
}

/** The site schema and its key list, straight from src/ (bundled by esbuild, run in a sandbox). */
async function loadSchema() {
  const { build } = await import('esbuild');
  const out = await build({
    stdin: {
      contents: "export { siteSchema } from './src/site/schema'; export { schemaKeys } from './src/commands/get';",
      resolveDir: ROOT,
      loader: 'ts',
    },
    bundle: true, write: false, platform: 'node', format: 'cjs', logLevel: 'warning',
    loader: { '.hbs': 'text' },
  });
  const module = { exports: {} };
  vm.runInThisContext(`(function (module, exports, require) {${out.outputFiles[0].text}\n})`)(
    module, module.exports, createRequire(join(ROOT, 'package.json')));
  return module.exports;
}

/** npm packages esbuild inlines into the bundle, from its metafile: [{ name, dir }]. */
async function inlinedPackages() {
  const { build } = await import('esbuild');
  // shelljs loads its commands with a computed require(); scripts/build.mjs lists
  // them, so do the same here or their dependencies would be missed
  const shelljsCommands = {
    name: 'shelljs-commands',
    setup(b) {
      b.onLoad({ filter: /shelljs[\\/]shell\.js$/ }, async (args) => {
        const src = readFileSync(args.path, 'utf8');
        const req = createRequire(args.path);
        const commands = req('./commands.js').filter((c) => c !== 'exec');
        return { contents: `${src}\n${commands.map((c) => `require('./src/${c}');`).join('\n')}`, loader: 'js' };
      });
    },
  };
  const r = await build({
    entryPoints: [join(ROOT, 'src/main.ts')], absWorkingDir: ROOT, outfile: join(ROOT, 'unused.js'),
    bundle: true, write: false, metafile: true, platform: 'node', format: 'cjs', logLevel: 'warning',
    loader: { '.hbs': 'text' }, plugins: [shelljsCommands],
  });
  const dirs = new Set();
  for (const input of Object.keys(r.metafile.inputs)) {
    const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m) dirs.add(m[1]);
  }
  return [...dirs].sort().map((dir) => {
    const meta = JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8'));
    return { name: meta.name, version: meta.version, license: meta.license, dir: join(ROOT, dir) };
  });
}

const LICENSE_FILE = /^(licen[cs]e|copying)(\.(md|txt))?$/i;

// ---------------------------------------------------------------- generated text

/** Escapes text for a roff line that does not start a request. */
function roff(text) {
  return text.replace(/\\/g, '\\e').replace(/-/g, '\\-').replace(/^([.'])/, '\\&$1');
}

/** A default as it would be written in site.toml. */
function tomlValue(v) {
  if (Array.isArray(v)) return `[${v.map(tomlValue).join(', ')}]`;
  return typeof v === 'string' ? `"${v}"` : String(v);
}

function describeKey(spec) {
  const parts = [];
  if (spec.type === 'enum') parts.push(`one of ${spec.values.join(', ')}`);
  else if (spec.type === 'array') parts.push(`array of ${spec.of ?? 'values'}${spec.length ? `, ${spec.length} items` : ''}`);
  else parts.push(spec.of && spec.type === 'string' ? `string (${spec.of})` : spec.type);
  if (spec.min !== undefined || spec.max !== undefined) parts.push(`${spec.min ?? ''}..${spec.max ?? ''}`);
  if (spec.required) parts.push('required');
  else if (spec.default !== undefined) parts.push(`default ${tomlValue(spec.default)}`);
  return parts.join('; ');
}

/** The key's own text, without a list of values that the type line repeats. */
function keyDoc(spec) {
  return spec.type === 'enum' && spec.doc === spec.values.join(' | ') ? '' : `${roff(spec.doc)}.\n.br\n`;
}

/** The SITE.TOML KEYS section of the man page, from src/site/schema.ts. */
export function manKeys(schema) {
  const lines = [];
  const table = (header, spec) => {
    lines.push('.SS ' + roff(header), roff(spec.doc));
    for (const [k, s] of Object.entries(spec.keys)) {
      lines.push('.TP', `.B ${roff(k)}`, `${keyDoc(s)}${roff(describeKey(s))}`);
    }
    if (spec.anyKey) lines.push('.TP', '.I KEY', `${roff(spec.anyKey.doc)}: ${roff(describeKey(spec.anyKey))}.`);
    for (const [k, t] of Object.entries(spec.tables ?? {})) table(`[${header.replace(/^\[+|\]+$/g, '')}.${k}]`.replace('[.', '['), t);
    for (const [k, t] of Object.entries(spec.arrays ?? {})) table(`[[${header.replace(/^\[+|\]+$/g, '')}.${k}]]`.replace('[[.', '[['), t);
    if (spec.anyTable) table(`[${header.replace(/^\[+|\]+$/g, '')}.NAME]`, spec.anyTable);
  };
  for (const [k, t] of Object.entries(schema.tables ?? {})) table(`[${k}]`, t);
  for (const [k, t] of Object.entries(schema.arrays ?? {})) table(`[[${k}]]`, t);
  return lines.join('\n');
}

/** The TARGETS section of the man page, from `ltspcfg-ts targets`. */
export function manTargets(targets) {
  return targets.map(([name, summary]) => `.TP\n.B ${roff(name)}\n${roff(summary)}.`).join('\n');
}

/** Options of one --help text: long names, with a value placeholder or not. */
export function helpOptions(help) {
  const opts = [];
  let inOptions = false;
  for (const line of help.split('\n')) {
    if (/^Options:/.test(line)) { inOptions = true; continue; }
    if (/^\S/.test(line)) inOptions = false;
    const m = inOptions && /^ {2}(?:-\w, )?(--[\w-]+)( <[^>]+>)?/.exec(line);
    if (m) opts.push({ name: m[1], value: !!m[2] });
  }
  return opts;
}

/** Command names of the top-level --help text. */
export function helpCommands(help) {
  const cmds = [];
  let inCommands = false;
  for (const line of help.split('\n')) {
    if (/^Commands:/.test(line)) { inCommands = true; continue; }
    if (/^\S/.test(line)) inCommands = false;
    const m = inCommands && /^ {2}([a-z][\w-]*)/.exec(line);
    if (m && m[1] !== 'help') cmds.push(m[1]);
  }
  return cmds;
}

/** The lists the bash completion offers, from the CLI itself and the schema. */
export function completionLists(cli, keys, targets) {
  const help = (args) => run(process.execPath, [cli, ...args, '--help']);
  const commands = helpCommands(help([]));
  const q = (words) => `'${words.join(' ')}'`;
  const lines = [
    `_ltspcfg_ts_commands=${q(commands)}`,
    `_ltspcfg_ts_targets=${q(targets.map(([name]) => name))}`,
    `# arrays of tables as [1]: change the number for another group or host`,
    `_ltspcfg_ts_keys=${q(keys.map((k) => k.replace(/\[\]/g, '[1]')))}`,
  ];
  const optsOf = (args) => helpOptions(help(args));
  const fmt = (opts) => q(opts.map((o) => o.name));
  lines.push(`_ltspcfg_ts_opts_=${fmt(optsOf([]))}`);
  for (const c of commands) lines.push(`_ltspcfg_ts_opts_${c}=${fmt(optsOf([c]))}`);
  return lines.join('\n');
}

const BEGIN = 'BEGIN GENERATED by scripts/dist.mjs';
const END = 'END GENERATED';

/** Replaces the text between the `name` markers of a file. */
export function splice(text, name, body, file) {
  const re = new RegExp(`(^.*${BEGIN}: ${name}\\n)[\\s\\S]*?(^.*${END}: ${name}$)`, 'm');
  if (!re.test(text)) die(`${file}: markers "${BEGIN}: ${name}" / "${END}: ${name}" not found`);
  return text.replace(re, (_m, a, b) => `${a}${body}\n${b}`);
}

// ---------------------------------------------------------------- the tarball

function listFiles(dir) {
  return existsSync(join(ROOT, dir))
    ? readdirSync(join(ROOT, dir)).filter((n) => statSync(join(ROOT, dir, n)).isFile()).sort().map((n) => `${dir}/${n}`)
    : [];
}

/** Copies the release files into work/P with fixed modes; returns the generated man and completion text. */
async function stage(work, cli) {
  const top = join(work, P);
  const put = (rel, content, mode = 0o644) => {
    const dest = join(top, rel);
    mkdirSync(dirname(dest), { recursive: true });
    if (Buffer.isBuffer(content) || typeof content === 'string') writeFileSync(dest, content);
    else copyFileSync(content.from, dest);
    chmodSync(dest, mode);
  };

  const { siteSchema, schemaKeys } = await loadSchema();
  const targets = run(process.execPath, [cli, 'targets']).trim().split('\n').map((l) => l.split('\t'));
  let man = readFileSync(join(ROOT, MAN), 'utf8');
  man = splice(man, 'targets', manTargets(targets), MAN);
  man = splice(man, 'keys', manKeys(siteSchema), MAN);
  let completion = readFileSync(join(ROOT, COMPLETION), 'utf8');
  completion = splice(completion, 'lists', completionLists(cli, schemaKeys(), targets), COMPLETION);

  put('ltspcfg-ts.js', { from: cli }, 0o755);
  for (const f of ['ltspcfg-ts.bundle.js', 'ltspcfg-ts.get.js', 'ltspcfg-ts.launch.js']) put(f, { from: join(dirname(cli), f) });
  put(MAN, man);
  put(COMPLETION, completion);
  for (const f of ['README.md', 'LICENSE']) put(f, { from: join(ROOT, f) });
  for (const f of listFiles('init.d')) put(f, { from: join(ROOT, f) }, 0o755);
  for (const f of [...listFiles('conf.d'), ...listFiles('examples')]) put(f, { from: join(ROOT, f) });

  // the licence of every npm package inlined into ltspcfg-ts.js
  const bundled = [];
  for (const p of await inlinedPackages()) {
    const texts = readdirSync(p.dir).filter((n) => LICENSE_FILE.test(n)).sort();
    if (!texts.length) die(`${p.name} ${p.version} (${p.license}) is inlined into the bundle but has no licence file`);
    for (const t of texts) put(`licenses/${p.name}/${t}`, { from: join(p.dir, t) });
    bundled.push(`${p.name} ${p.version} ${p.license} ${texts.map((t) => `licenses/${p.name}/${t}`).join(' ')}`);
  }
  put('licenses/BUNDLED', `# npm packages inlined into ltspcfg-ts.js: name version SPDX-licence files\n${bundled.join('\n')}\n`);

  // directories: 0755, whatever the umask
  const fixDirs = (d) => {
    chmodSync(d, 0o755);
    for (const n of readdirSync(d, { withFileTypes: true })) if (n.isDirectory()) fixDirs(join(d, n.name));
  };
  fixDirs(top);
  return { man, completion };
}

function tarball(work, out) {
  const tar = run('tar', [
    '--create', '--file=-', '--directory', work,
    '--sort=name', '--format=gnu', '--owner=root:0', '--group=root:0',
    `--mtime=@${MTIME}`, '--no-acls', '--no-xattrs', '--no-selinux',
    P,
  ], { encoding: 'buffer', env: { ...process.env, LC_ALL: 'C', TZ: 'UTC' } });
  // the input is far smaller than -6's 8 MiB dictionary, so -6e packs it as
  // well as -9e would, with a tenth of the memory; one thread: one block layout
  const xz = run('xz', ['-6e', '--threads=1', '--check=crc64', '--format=xz', '--stdout'], { input: tar, encoding: 'buffer' });
  writeFileSync(out, xz);
  return out;
}

export function manifestLine(file) {
  const data = readFileSync(file);
  const hex = (algo) => createHash(algo).update(data).digest('hex');
  return `DIST ${basename(file)} ${data.length} BLAKE2B ${hex('blake2b512')} SHA512 ${hex('sha512')}`;
}

function manifestWith(line) {
  const path = join(ROOT, CATPKG, 'Manifest');
  const name = line.split(' ')[1];
  const old = existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter((l) => l && l.split(' ')[1] !== name) : [];
  return [...old, line].sort().join('\n') + '\n';
}

/**
 * What goes into the tarball: the refresh should see them as committed, as CI does.
 * (The man page and the completion are left out: the refresh rewrites their lists.)
 */
const INPUTS = ['src', 'scripts/build.mjs', 'package.json', 'package-lock.json', 'tsconfig.json',
  'init.d', 'conf.d', 'examples', 'README.md', 'LICENSE'];

function warnUncommitted() {
  const r = spawnSync('git', ['status', '--porcelain', '--', ...INPUTS], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0 || !r.stdout.trim()) return;
  process.stderr.write(`dist: warning: uncommitted changes go into the tarball, so the Manifest will not match a clean checkout:\n${r.stdout}`);
}

async function main(argv) {
  let check = false;
  let outDir;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--check') check = true;
    else if (argv[i] === '--out' && argv[i + 1]) outDir = argv[++i];
    else die(`unexpected argument ${argv[i]}; usage: dist.mjs [--check | --out DIR]`);
  }

  const work = mkdtempSync(join(tmpdir(), 'ltsp-ts-dist-'));
  try {
    const cli = buildBundle(work);
    const stageDir = join(work, 'stage');
    mkdirSync(stageDir);
    const { man, completion } = await stage(stageDir, cli);

    if (outDir) {
      mkdirSync(outDir, { recursive: true });
      process.stdout.write(tarball(stageDir, join(outDir, TARBALL)) + '\n');
      return 0;
    }
    if (check) {
      const file = tarball(stageDir, join(work, TARBALL));
      const stale = [];
      const manifest = join(CATPKG, 'Manifest');
      if (!existsSync(join(ROOT, manifest)) || readFileSync(join(ROOT, manifest), 'utf8') !== manifestWith(manifestLine(file))) stale.push(manifest);
      if (readFileSync(join(ROOT, MAN), 'utf8') !== man) stale.push(MAN);
      if (readFileSync(join(ROOT, COMPLETION), 'utf8') !== completion) stale.push(COMPLETION);
      if (stale.length) {
        process.stderr.write(`dist: stale: ${stale.join(', ')}; refresh with: ${REFRESH}\n`);
        return 1;
      }
      process.stdout.write(`dist: ${manifest}, ${MAN} and ${COMPLETION} match ${TARBALL}\n`);
      return 0;
    }

    warnUncommitted();
    writeFileSync(join(ROOT, MAN), man);
    writeFileSync(join(ROOT, COMPLETION), completion);
    mkdirSync(join(ROOT, 'dist'), { recursive: true });
    const file = tarball(stageDir, join(ROOT, 'dist', TARBALL));
    writeFileSync(join(ROOT, CATPKG, 'Manifest'), manifestWith(manifestLine(file)));
    process.stdout.write(`${relative(ROOT, file)} (${statSync(file).size} bytes); ${CATPKG}/Manifest, ${MAN} and ${COMPLETION} refreshed\n`);
    return 0;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await main(process.argv.slice(2));
}
