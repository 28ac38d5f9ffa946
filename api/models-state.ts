import { statSync } from 'node:fs';
import path from 'node:path';
import type { ModelFileRow } from '../db/repositories/models';
import type { BaseModel, ModelFile, ModelState } from '../lib/contracts/models';
import { commitOfResolveUrl, modelFileKey, needsCommitPin, provisionWorkflowId, type BaseModelSpec } from '../lib/models/catalogue';
import { partPath } from '../lib/models/download';
import { within } from '../lib/storage';

function sizeOf(file: string): number | undefined {
  try {
    return statSync(file).size;
  } catch {
    return undefined;
  }
}

/**
 * A file's state from its database row, the files on disk and whether its workflow runs. The disk wins: a `ready`
 * row whose file is gone (or has another size) is missing; a `downloading` row without a running workflow (ended
 * by an operator, say) is missing with its part kept.
 */
export function fileState(spec: BaseModelSpec['files'][number], row: ModelFileRow | undefined, baseDir: string, running: boolean, dataRoot: string): ModelFile {
  const target = within(baseDir, spec.target);
  const finalSize = sizeOf(target);
  const partSize = sizeOf(partPath(target)) ?? 0;
  const totalBytes = row?.sizeBytes ?? spec.sizeBytes;
  let state: ModelState = row?.status ?? 'missing';
  let bytesDone = partSize;
  if (state === 'ready') {
    if (finalSize !== undefined && (row?.sizeBytes == null || finalSize === row.sizeBytes)) bytesDone = finalSize;
    else state = 'missing';
  } else if (state === 'downloading') {
    if (running) bytesDone = Math.max(row?.bytesDone ?? 0, partSize);
    else state = 'missing';
  }
  return {
    id: spec.id,
    label: spec.label,
    repo: spec.repo,
    path: path.relative(dataRoot, target),
    state,
    bytesDone,
    totalBytes,
    gated: spec.gated,
    error: state === 'failed' ? { code: row?.errorCode ?? 'failed', message: row?.errorMessage ?? 'The download failed' } : null,
    retrying: state === 'downloading' && row?.errorMessage ? row.errorMessage : null,
  };
}

/** The model as a whole: downloading while its workflow runs, ready when every file is, failed when one failed. */
export function modelState(spec: BaseModelSpec, rows: ModelFileRow[], baseDir: string, running: boolean, dataRoot: string): BaseModel {
  const byId = new Map(rows.map((r) => [r.id, r]));
  const rowsOf = spec.files.map((f) => byId.get(modelFileKey(spec.id, f.id)));
  const files = spec.files.map((f, i) => fileState(f, rowsOf[i], baseDir, running, dataRoot));
  // The commit a download pinned the branch to is in the resolve URLs it recorded.
  const pinned = spec.files.some(needsCommitPin) ? rowsOf.map((r) => r && commitOfResolveUrl(r.url)).find(Boolean) : undefined;
  const failed = files.find((f) => f.state === 'failed');
  const state: ModelState = running ? 'downloading' : files.every((f) => f.state === 'ready') ? 'ready' : failed ? 'failed' : 'missing';
  const totals = files.map((f) => f.totalBytes);
  return {
    id: spec.id,
    kind: spec.kind ?? 'base',
    label: spec.label,
    description: spec.description,
    pageUrl: spec.pageUrl,
    licence: spec.licence,
    gated: spec.files.some((f) => f.gated),
    hubCommit: pinned ?? null,
    state,
    bytesDone: files.reduce((sum, f) => sum + f.bytesDone, 0),
    totalBytes: totals.every((t): t is number => t !== null) ? totals.reduce((a, b) => a + b, 0) : null,
    files,
    workflowId: provisionWorkflowId(spec.id),
    error: state === 'failed' ? (failed?.error ?? null) : null,
    retrying: state === 'downloading' ? (files.find((f) => f.retrying)?.retrying ?? null) : null,
  };
}
