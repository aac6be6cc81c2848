// One table of errno codes in words (src/system/errno.ts) for every message that names a
// file or the output: the site file, the writer, the destination checks, the log reader.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errnoWords, outputFailure } from '../../src/system/errno';
import { listLogDir, readBackwards } from '../../src/system/logread';
import { readSiteFile } from '../../src/system/sitefile';
import { ensureDirectory } from '../../src/system/write';

const failure = (code: string, message = `${code}: what node says`) => Object.assign(new Error(message), { code });

test('errno codes in words; node\'s own message for a code the table lacks, or a value that is no error', () => {
  const words: Record<string, string> = {
    ENOENT: 'no such file', EACCES: 'permission denied', EPERM: 'permission denied', EISDIR: 'it is a directory',
    ENOTDIR: 'a part of the path is not a directory', ELOOP: 'too many symbolic links', ENAMETOOLONG: 'the path is too long',
    ENXIO: 'it is a socket or a device without a driver', EROFS: 'the file system is read-only', ENOSPC: 'no space left on the device',
    EDQUOT: 'the disk quota is exceeded', EFBIG: 'the file is too large', EIO: 'an input/output error', EBADF: 'it is closed',
  };
  for (const [code, text] of Object.entries(words)) assert.equal(errnoWords(failure(code)), text, code);
  assert.equal(errnoWords(failure('EMLINK', 'EMLINK: too many links, link \'/a\'')), 'EMLINK: too many links, link \'/a\'');
  assert.equal(errnoWords('odd'), 'odd');
  assert.equal(errnoWords(null), 'null');
  assert.equal(outputFailure(failure('EIO')), 'cannot write the output: an input/output error; expected standard output open for writing');
});

test('the same words from the site file reader, the writer and the log reader (a log that is a directory or a loop was node\'s raw text)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ltsp-errno-'));
  try {
    symlinkSync('loop', join(dir, 'loop'));
    writeFileSync(join(dir, 'file'), 'x');
    mkdirSync(join(dir, 'messages'));
    assert.throws(() => readSiteFile(join(dir, 'loop')), { message: 'too many symbolic links' });
    assert.throws(() => readSiteFile(join(dir, 'file', 'site.toml')), { message: 'a part of the path is not a directory' });
    assert.throws(() => ensureDirectory(join(dir, 'file', 'sub'), 0o755), { message: `cannot create the directory ${join(dir, 'file', 'sub')}: a part of the path is not a directory` });
    const said: string[] = [];
    for await (const batch of readBackwards([join(dir, 'loop'), join(dir, 'messages'), join(dir, 'gone')], { maxBytes: 1 << 20 }, (f, why) => said.push(`${f}: ${why}`))) assert.fail(`no lines: ${batch.lines.join(' ')}`);
    assert.deepEqual(said, [`${join(dir, 'loop')}: too many symbolic links`, `${join(dir, 'messages')}: it is a directory`, `${join(dir, 'gone')}: no such file`]);
    const listed: string[] = [];
    assert.deepEqual(await listLogDir(join(dir, 'loop'), (why) => listed.push(why)), []);
    assert.deepEqual(listed, [`${join(dir, 'loop')}: too many symbolic links`]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
