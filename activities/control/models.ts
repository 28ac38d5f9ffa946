import { existsSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { activityInfo, ApplicationFailure, CancelledFailure, Context, heartbeat } from '@temporalio/activity';
import { getModelFileRow, moveModelFiles, saveModelFile, saveModelFileProgress } from '../../db/repositories/models';
import { commitOfResolveUrl, modelFileKey, needsCommitPin, resolveUrl, type ModelFileSpec } from '../../lib/models/catalogue';
import { downloadWithResume, partPath, verifiedSha256, type DownloadProgress } from '../../lib/models/download';
import { ModelDownloadError } from '../../lib/models/errors';
import { authorizationFor, describeRemoteFile, expectedFile, resolveCommit, type ExpectedFile } from '../../lib/models/remote';
import { within } from '../../lib/storage';
import type { ControlContext } from './context';
import { announceModelDownloadEnd } from './webhooks';
import { safeErrorMessage } from '../../lib/logger/errors';

export interface DownloadModelFileInput {
  modelId: string;
  file: ModelFileSpec;
}

export interface DownloadModelFileResult {
  sha256: string;
  sizeBytes: number;
  /** Already in place and verified: nothing was downloaded. */
  alreadyPresent: boolean;
  resumedFrom: number;
}

/** Heartbeat details: how far the file got, for the Temporal UI and for a retry's log line. */
export interface DownloadHeartbeat {
  phase: DownloadProgress['phase'];
  bytesDone: number;
  totalBytes: number;
}

const PROGRESS_EVERY_MS = 1_000;

function sizeOrZero(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/**
 * The steps of the `provisionModels` workflow. They run on the control queue: downloading needs no GPU (a GPU
 * worker runs one activity at a time, and a 24 GB download must not hold its slot for an hour), the files land on
 * the shared data root every worker reads, and the progress goes straight into the database the control plane holds.
 */
export function createModelActivities(ctx: ControlContext) {
  const baseDir = ctx.config.storage.baseModels;
  const access = { endpoint: ctx.config.hfEndpoint, token: ctx.config.hfToken };
  const relative = (file: string) => path.relative(ctx.config.storage.root, file);

  async function markFailed(id: string, file: ModelFileSpec, code: string, message: string): Promise<void> {
    await saveModelFile(ctx.db, id, {
      url: resolveUrl(access.endpoint, file),
      filePath: relative(within(baseDir, file.target)),
      status: 'failed',
      errorCode: code,
      errorMessage: message,
    });
  }

  return {
    /** The workflow took the model: earlier errors are cleared, files not yet ready wait for their turn. */
    async modelProvisioningStarted(input: { modelId: string; workflowId: string; files: ModelFileSpec[] }): Promise<void> {
      for (const file of input.files) {
        const id = modelFileKey(input.modelId, file.id);
        const row = await getModelFileRow(ctx.db, id);
        if (row?.status === 'ready') continue;
        const target = within(baseDir, file.target);
        await saveModelFile(ctx.db, id, {
          url: resolveUrl(access.endpoint, file),
          filePath: relative(target),
          status: 'missing',
          bytesDone: sizeOrZero(partPath(target)),
          errorCode: null,
          errorMessage: null,
          workflowId: input.workflowId,
        });
      }
      ctx.logger.info('models.provision_started', `Provisioning ${input.modelId}: ${input.files.length} file(s)`, { modelId: input.modelId });
    },

    /**
     * One file: ask Hugging Face what it is, keep a verified copy already in place, else download with resume and
     * verify. Heartbeats carry the bytes done; cancellation (heartbeat-delivered) stops the transfer and keeps the
     * part for next time.
     */
    async downloadModelFile(input: DownloadModelFileInput): Promise<DownloadModelFileResult> {
      const { modelId, file } = input;
      const id = modelFileKey(modelId, file.id);
      const target = within(baseDir, file.target);
      const url = resolveUrl(access.endpoint, file);
      const logger = ctx.logger.child({ context: { modelId, fileId: file.id } });
      const context = Context.current();
      const signal = context.cancellationSignal;
      const info = activityInfo();
      const previous = info.heartbeatDetails as DownloadHeartbeat | undefined;

      let latest: DownloadHeartbeat = { phase: 'checking', bytesDone: sizeOrZero(partPath(target)), totalBytes: file.sizeBytes ?? 0 };
      heartbeat(latest);
      // Beats keep coming while a slow server holds the line or a large part is hashed: cancellation arrives with them.
      const beat = setInterval(() => heartbeat(latest), 2_000);
      let lastSaved = 0;
      let saving: Promise<void> | undefined;
      const onProgress = (progress: DownloadProgress) => {
        latest = progress;
        const now = Date.now();
        if (now - lastSaved < PROGRESS_EVERY_MS || saving) return;
        lastSaved = now;
        saving = saveModelFileProgress(ctx.db, id, progress.bytesDone)
          .catch((err: unknown) => logger.warn('models.progress_not_saved', `Progress not saved: ${(err as Error).message}`))
          .finally(() => (saving = undefined));
      };

      try {
        // Verified earlier and untouched since: no need to ask Hugging Face (which may be unreachable) again.
        const known = await getModelFileRow(ctx.db, id);
        if (known?.status === 'ready' && known.sha256 && (!file.sha256 || known.sha256 === file.sha256) && known.sizeBytes === sizeOrZero(target)) {
          logger.info('models.file_present', `${file.target} is already in place and verified`, { sizeBytes: known.sizeBytes });
          return { sha256: known.sha256, sizeBytes: known.sizeBytes, alreadyPresent: true, resumedFrom: 0 };
        }
        const remote = await describeRemoteFile(url, file, access, signal);
        const expected: ExpectedFile = expectedFile(file, remote);
        latest = { ...latest, totalBytes: expected.sizeBytes };
        await saveModelFile(ctx.db, id, {
          url,
          filePath: relative(target),
          status: 'downloading',
          sizeBytes: expected.sizeBytes,
          sha256: expected.sha256,
          bytesDone: latest.bytesDone,
          errorCode: null,
          errorMessage: null,
          workflowId: info.workflowExecution?.workflowId ?? null,
        });

        if (existsSync(target)) {
          const size = sizeOrZero(target);
          const present = await verifiedSha256(target, expected, (done) => onProgress({ phase: 'checking', bytesDone: done, totalBytes: size }), signal);
          if (present) {
            await saveModelFile(ctx.db, id, { url, filePath: relative(target), status: 'ready', sha256: present, bytesDone: size });
            logger.info('models.file_present', `${file.target} is already in place and verified`, { sizeBytes: size });
            return { sha256: present, sizeBytes: size, alreadyPresent: true, resumedFrom: 0 };
          }
          logger.warn('models.file_replaced', `${file.target} is in place but is not the expected file: it is downloaded again`, { sizeBytes: size });
          await rm(target, { force: true });
        }

        if (info.attempt > 1 || latest.bytesDone > 0) {
          logger.info('models.download_resumed', `Resuming ${file.target} at byte ${latest.bytesDone} (try ${info.attempt})`, {
            bytesDone: latest.bytesDone,
            lastHeartbeatBytes: previous?.bytesDone ?? null,
          });
        } else {
          logger.info('models.download_started', `Downloading ${file.path} from ${file.repo}`, { sizeBytes: expected.sizeBytes });
        }
        const result = await downloadWithResume({
          url,
          target,
          expected,
          authorization: authorizationFor(access),
          onProgress,
          signal,
        });
        await saving;
        await saveModelFile(ctx.db, id, { url, filePath: relative(target), status: 'ready', sha256: result.sha256, bytesDone: expected.sizeBytes, errorCode: null, errorMessage: null });
        logger.info('models.file_ready', `${file.target} downloaded and verified (${expected.gitBlobSha1 ? `git blob ${expected.gitBlobSha1}` : `sha256 ${result.sha256}`})`, {
          sizeBytes: expected.sizeBytes,
          resumedFrom: result.resumedFrom,
          reconnects: result.reconnects,
        });
        return { sha256: result.sha256, sizeBytes: expected.sizeBytes, alreadyPresent: false, resumedFrom: result.resumedFrom };
      } catch (err) {
        await saving;
        if (signal.aborted) {
          logger.info('models.download_stopped', `Stopped ${file.target}; the ${latest.bytesDone} bytes so far are kept for next time`, { bytesDone: latest.bytesDone });
          throw err instanceof CancelledFailure ? err : new CancelledFailure('Cancelled');
        }
        if (err instanceof ModelDownloadError && !err.retryable) {
          await markFailed(id, file, err.code, err.message);
          logger.error('models.download_failed', err.message, { code: err.code });
          throw ApplicationFailure.nonRetryable(err.message, err.code);
        }
        const message = safeErrorMessage(err);
        const code = err instanceof ModelDownloadError ? err.code : 'network';
        logger.warn('models.download_interrupted', `${file.target}: ${message}; it resumes on the next try`, { bytesDone: latest.bytesDone, attempt: info.attempt });
        // The card says at once why the download does not progress, while it tries again (a few times, then it ends).
        await saveModelFile(ctx.db, id, { url, filePath: relative(target), status: 'downloading', errorCode: code, errorMessage: message }).catch(() => undefined);
        throw ApplicationFailure.retryable(message, code);
      } finally {
        clearInterval(beat);
      }
    },

    /**
     * Files that follow a branch get the commit they all come from: the one an earlier download of this model
     * recorded (in its rows' resolve URLs), else the one the branch points to now. One commit for the whole model.
     */
    async resolveModelCommit(input: { modelId: string; files: ModelFileSpec[] }): Promise<ModelFileSpec[]> {
      heartbeat();
      const commits = new Map<string, string>();
      for (const file of input.files.filter(needsCommitPin)) {
        if (commits.has(file.repo)) continue;
        const recorded = commitOfResolveUrl((await getModelFileRow(ctx.db, modelFileKey(input.modelId, file.id)))?.url ?? '');
        let commit = recorded;
        try {
          commit ??= await resolveCommit(resolveUrl(access.endpoint, file), file, access, Context.current().cancellationSignal);
        } catch (err) {
          if (err instanceof ModelDownloadError) throw err.retryable ? ApplicationFailure.retryable(err.message, err.code) : ApplicationFailure.nonRetryable(err.message, err.code);
          throw err;
        }
        commits.set(file.repo, commit);
        ctx.logger.info('models.commit_pinned', `${input.modelId}: ${file.repo}@${file.revision} is fetched from commit ${commit}`, {
          modelId: input.modelId,
          commit,
          recorded: Boolean(recorded),
        });
      }
      return input.files.map((f) => (needsCommitPin(f) ? { ...f, revision: commits.get(f.repo)! } : f));
    },

    /** The workflow ended without every file: whatever was still downloading stops where it is. */
    async modelProvisioningEnded(input: { modelId: string; file?: ModelFileSpec; outcome: 'failed' | 'cancelled'; code?: string; message?: string }): Promise<void> {
      if (input.outcome === 'failed' && input.file) {
        const id = modelFileKey(input.modelId, input.file.id);
        const row = await getModelFileRow(ctx.db, id);
        if (row?.status !== 'failed') await markFailed(id, input.file, input.code ?? 'failed', input.message ?? 'The download failed');
      }
      await moveModelFiles(ctx.db, input.modelId, ['downloading'], 'missing');
      ctx.logger.info('models.provision_ended', `Provisioning ${input.modelId} ${input.outcome === 'cancelled' ? 'cancelled' : 'failed'}`, {
        modelId: input.modelId,
        code: input.code,
      });
      if (input.outcome === 'failed') await announceModelDownloadEnd(ctx, { modelId: input.modelId, outcome: 'failed', message: input.message });
    },

    async modelProvisioningCompleted(input: { modelId: string; files: number }): Promise<void> {
      ctx.logger.info('models.provision_completed', `${input.modelId} is ready: ${input.files} file(s) in place and verified`, { modelId: input.modelId });
      await announceModelDownloadEnd(ctx, { modelId: input.modelId, outcome: 'completed' });
    },
  };
}
