import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_COMMIT, expectResumesAfterDrops, gitBlobSha1, sha256, startHubServer, type HubFile, type HubServer } from '../../test/helpers/hf-server';
import { resolveUrl, type ModelFileSpec } from './catalogue';
import { contentRangeStart, downloadWithResume, partPath, verifiedSha256, type DownloadProgress } from './download';
import { ModelDownloadError } from './errors';
import { authorizationFor, describeRemoteFile, expectedFile, resolveCommit } from './remote';

const TOKEN = 'hf_unitTestToken0123456789';

describe('resumable, verified downloads', () => {
  let hub: HubServer;
  let dir: string;
  let n = 0;
  beforeAll(async () => {
    hub = await startHubServer();
  });
  afterAll(async () => {
    await hub.close();
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  function setup(extra: Partial<HubFile> = {}, size = 700_000) {
    dir = mkdtempSync(path.join(os.tmpdir(), 'isengard-download-'));
    const file = hub.add({ repo: 'org/model', revision: 'main', path: `weights-${++n}.safetensors`, content: randomBytes(size), ...extra });
    const target = path.join(dir, 'nested', 'weights.safetensors');
    const url = resolveUrl(hub.endpoint, file);
    const expected = { sizeBytes: file.content.length, sha256: sha256(file.content), gitBlobSha1: null };
    const progress: DownloadProgress[] = [];
    const run = (more: Partial<Parameters<typeof downloadWithResume>[0]> = {}) =>
      downloadWithResume({
        url,
        target,
        expected,
        retryDelayMs: 5,
        authorization: authorizationFor({ endpoint: hub.endpoint, token: TOKEN }),
        onProgress: (p) => progress.push(p),
        ...more,
      });
    return { file, target, url, expected, progress, run };
  }

  it('downloads into a part file, verifies it and renames it into place', async () => {
    const { file, target, run, progress } = setup();
    expect(await run()).toEqual({ sha256: sha256(file.content), resumedFrom: 0, reconnects: 0 });
    expect(readFileSync(target).equals(file.content)).toBe(true);
    expect(existsSync(partPath(target))).toBe(false);
    expect(progress.at(-1)).toEqual({ phase: 'downloading', bytesDone: file.content.length, totalBytes: file.content.length });
  });

  it('resumes with a range request each time the connection drops mid-file', async () => {
    const { file, target, run } = setup({ dropAfter: [200_000, 150_000] });
    const result = await run();
    expect(result.reconnects).toBe(2);
    expect(sha256(readFileSync(target))).toBe(sha256(file.content));
    expectResumesAfterDrops(
      hub.downloads(file).map((r) => r.range),
      [200_000, 150_000],
    );
  });

  it('picks up the part a killed process left: hashes it, then asks only for the rest', async () => {
    const { file, target, run, progress } = setup();
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(partPath(target), file.content.subarray(0, 300_000));
    const result = await run();
    expect(result.resumedFrom).toBe(300_000);
    expect(hub.downloads(file).map((r) => r.range)).toEqual(['bytes=300000-']);
    expect(progress.some((p) => p.phase === 'checking' && p.bytesDone === 300_000)).toBe(true);
    expect(readFileSync(target).equals(file.content)).toBe(true);
  });

  it('starts over when the server ignores the range', async () => {
    const { file, target, run } = setup({ ignoreRange: true });
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(partPath(target), file.content.subarray(0, 100_000));
    await run();
    expect(readFileSync(target).equals(file.content)).toBe(true);
  });

  it('keeps the part when stopped, so the next call continues from it', async () => {
    const { file, target, run, progress } = setup({ chunkDelayMs: 20 });
    const stop = new AbortController();
    const first = run({ signal: stop.signal, onProgress: (p) => p.bytesDone >= 200_000 && stop.abort(new Error('stopped')) });
    await expect(first).rejects.toThrow('stopped');
    const kept = statSync(partPath(target)).size;
    expect(kept).toBeGreaterThanOrEqual(200_000);
    file.chunkDelayMs = 0;
    expect((await run()).resumedFrom).toBe(kept);
    expect(readFileSync(target).equals(file.content)).toBe(true);
    expect(progress.length).toBeGreaterThan(0);
  });

  it('rejects wrong bytes by their sha256, deletes them and says so', async () => {
    const { file, target, run } = setup();
    file.corruptWith = randomBytes(file.content.length);
    const err = (await run().catch((e: unknown) => e)) as ModelDownloadError;
    expect(err).toBeInstanceOf(ModelDownloadError);
    expect(err.code).toBe('checksum_mismatch');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain(`expected ${sha256(file.content)}`);
    expect(existsSync(partPath(target))).toBe(false);
    expect(existsSync(target)).toBe(false);
  });

  it('rejects a file longer than expected before writing past the end', async () => {
    const { file, target, run } = setup();
    file.corruptWith = Buffer.concat([file.content, randomBytes(10)]);
    await expect(run()).rejects.toMatchObject({ code: 'size_mismatch', retryable: false });
    expect(existsSync(partPath(target))).toBe(false);
  });

  it('sends the token to the hub only, never to the CDN it redirects to', async () => {
    const { file, run } = setup({ gatedToken: TOKEN });
    await run();
    const resolve = hub.requests.filter((r) => r.path.includes(`/resolve/main/${file.path}`));
    expect(resolve.map((r) => r.authorization)).toEqual([`Bearer ${TOKEN}`]);
    expect(hub.downloads(file).map((r) => r.authorization)).toEqual([undefined]);
  });

  it('gives up after a run of reconnections that bring nothing, for a later retry', async () => {
    const { run } = setup({ dropAfter: [0, 0, 0, 0] });
    await expect(run({ maxStalls: 2 })).rejects.toMatchObject({ code: 'network', retryable: true });
  });
});

describe('what Hugging Face says about a file', () => {
  let hub: HubServer;
  beforeAll(async () => {
    hub = await startHubServer();
  });
  afterAll(async () => {
    await hub.close();
  });
  const spec = (file: HubFile, extra: Partial<ModelFileSpec> = {}): ModelFileSpec => ({
    id: 'f',
    label: 'F',
    repo: file.repo,
    revision: file.revision,
    path: file.path,
    target: 'x/f.safetensors',
    sizeBytes: null,
    sha256: null,
    gated: Boolean(file.gatedToken),
    ...extra,
  });

  it('reads size and sha256 from x-linked-size and x-linked-etag', async () => {
    const file = hub.add({ repo: 'org/a', revision: 'main', path: 'a.safetensors', content: randomBytes(1000) });
    const remote = await describeRemoteFile(resolveUrl(hub.endpoint, file), spec(file), { endpoint: hub.endpoint, token: undefined });
    expect(remote).toEqual({ sizeBytes: 1000, sha256: sha256(file.content), gitBlobSha1: null, commit: DEFAULT_COMMIT });
    expect(expectedFile(spec(file), remote)).toEqual({ sizeBytes: 1000, sha256: sha256(file.content), gitBlobSha1: null });
  });

  it('explains the licence step when a gated repository answers 401 without a token', async () => {
    const file = hub.add({ repo: 'org/gated', revision: 'main', path: 'g.safetensors', content: randomBytes(10), gatedToken: TOKEN });
    const err = (await describeRemoteFile(resolveUrl(hub.endpoint, file), spec(file), { endpoint: hub.endpoint, token: undefined }).catch((e: unknown) => e)) as ModelDownloadError;
    expect(err.code).toBe('gated');
    expect(err.message).toContain('gated model');
    expect(err.message).toContain(`${hub.endpoint}/org/gated`);
    expect(err.message).toContain('accept the licence');
    expect(err.message).toContain('HF_TOKEN');
  });

  it('explains that the account of the token has not accepted the licence on a 403', async () => {
    const file = hub.add({ repo: 'org/gated2', revision: 'main', path: 'g.safetensors', content: randomBytes(10), gatedToken: TOKEN });
    const other = 'hf_someOtherToken987654321';
    const err = (await describeRemoteFile(resolveUrl(hub.endpoint, file), spec(file), { endpoint: hub.endpoint, token: other }).catch((e: unknown) => e)) as ModelDownloadError;
    expect(err.code).toBe('gated');
    expect(err.message).toContain('no access to org/gated2 yet (403)');
    expect(err.message).not.toContain(other);
  });

  it('refuses a file that differs from the pin before downloading it', () => {
    const file = hub.add({ repo: 'org/b', revision: 'main', path: 'b.safetensors', content: randomBytes(10) });
    const remote = { gitBlobSha1: null, commit: null };
    expect(() => expectedFile(spec(file, { sha256: 'a'.repeat(64) }), { sizeBytes: 10, sha256: 'b'.repeat(64), ...remote })).toThrow(/different .* than the one Isengard is pinned to/);
    expect(() => expectedFile(spec(file), { sizeBytes: null, sha256: null, ...remote })).toThrow(/could not be verified/);
  });

  describe('a small file kept in git (not LFS)', () => {
    const COMMIT = 'c0ffee'.padEnd(40, '0');
    let dir: string;
    let n = 0;
    const access = () => ({ endpoint: hub.endpoint, token: undefined });
    const smallFile = (name: string, extra: Partial<HubFile> = {}) =>
      hub.add({ repo: 'org/vl', revision: 'main', commit: COMMIT, path: name, content: Buffer.from(JSON.stringify({ name, n: ++n })), lfs: false, ...extra });
    const atCommit = (file: HubFile) => spec(file, { revision: COMMIT, target: file.path });
    const describeAtCommit = (file: HubFile) => describeRemoteFile(resolveUrl(hub.endpoint, atCommit(file)), atCommit(file), access());

    beforeEach(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'isengard-git-blob-'));
    });
    afterEach(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    it('is accepted at a pinned commit when its git blob id matches the ETag', async () => {
      const file = smallFile('config.json');
      const remote = await describeAtCommit(file);
      expect(remote).toEqual({ sizeBytes: file.content.length, sha256: null, gitBlobSha1: gitBlobSha1(file.content), commit: COMMIT });
      const expected = expectedFile(atCommit(file), remote);
      expect(expected).toEqual({ sizeBytes: file.content.length, sha256: null, gitBlobSha1: gitBlobSha1(file.content) });
      const target = path.join(dir, 'config.json');
      const result = await downloadWithResume({ url: resolveUrl(hub.endpoint, atCommit(file)), target, expected });
      expect(readFileSync(target).equals(file.content)).toBe(true);
      expect(result.sha256).toBe(sha256(file.content));
      expect(await verifiedSha256(target, expected)).toBe(sha256(file.content));
    });

    it('computes the git blob id as git and huggingface_hub do', async () => {
      // huggingface_hub utils/sha.py documents git_hash(b"Hello, World!") == 'b45ef6fec89518d314f546fd6c3025367b721684'.
      const file = smallFile('hello.txt', { content: Buffer.from('Hello, World!') });
      const target = path.join(dir, 'hello.txt');
      const expected = { sizeBytes: 13, sha256: null, gitBlobSha1: 'b45ef6fec89518d314f546fd6c3025367b721684' };
      await downloadWithResume({ url: resolveUrl(hub.endpoint, atCommit(file)), target, expected });
      expect(readFileSync(target, 'utf8')).toBe('Hello, World!');
    });

    it('refuses wrong bytes and deletes them', async () => {
      const file = smallFile('tokenizer_config.json');
      file.corruptWith = Buffer.from(file.content.toString('utf8').replace('tokenizer', 'TOKENIZER'));
      const expected = expectedFile(atCommit(file), await describeAtCommit(file));
      const target = path.join(dir, 'tokenizer_config.json');
      const err = (await downloadWithResume({ url: resolveUrl(hub.endpoint, atCommit(file)), target, expected }).catch((e: unknown) => e)) as ModelDownloadError;
      expect(err.code).toBe('checksum_mismatch');
      expect(err.message).toContain(`expected ${gitBlobSha1(file.content)}`);
      expect(existsSync(target)).toBe(false);
      expect(existsSync(partPath(target))).toBe(false);
      writeFileSync(target, file.corruptWith);
      expect(await verifiedSha256(target, expected)).toBeUndefined();
    });

    it('is refused without an ETag, or when it follows a branch instead of a commit', async () => {
      const noEtag = smallFile('merges.txt', { etag: null });
      const remote = await describeAtCommit(noEtag);
      expect(remote.gitBlobSha1).toBeNull();
      expect(() => expectedFile(atCommit(noEtag), remote)).toThrow(expect.objectContaining({ code: 'unverifiable' }));

      const onBranch = smallFile('vocab.json');
      const branchRemote = await describeRemoteFile(resolveUrl(hub.endpoint, onBranch), spec(onBranch), access());
      expect(branchRemote.gitBlobSha1).toBe(gitBlobSha1(onBranch.content));
      expect(() => expectedFile(spec(onBranch), branchRemote)).toThrow(/not pinned to a commit/);
    });

    it('resolves a branch to the commit the hub answers from', async () => {
      const file = smallFile('generation_config.json');
      expect(await resolveCommit(resolveUrl(hub.endpoint, file), spec(file), access())).toBe(COMMIT);
    });
  });

  it('reports a missing file as not found', async () => {
    const file = { repo: 'org/none', revision: 'main', path: 'none.safetensors', content: Buffer.alloc(0) };
    await expect(describeRemoteFile(resolveUrl(hub.endpoint, file), spec(file), { endpoint: hub.endpoint, token: undefined })).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('contentRangeStart', () => {
  it('reads the first byte of a Content-Range', () => {
    expect(contentRangeStart('bytes 100-199/200')).toBe(100);
    expect(contentRangeStart('bytes 0-0/*')).toBe(0);
    expect(contentRangeStart('bytes */200')).toBeUndefined();
    expect(contentRangeStart(undefined)).toBeUndefined();
  });
});
