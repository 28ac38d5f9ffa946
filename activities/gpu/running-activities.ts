import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { Logger } from '../../lib/logger/logger';
import { isProcessAlive } from '../../lib/process-alive';

interface Record {
  taskToken: string;
  workflowId: string | undefined;
  activityType: string;
  pid: number;
  host: string;
  startedAt: string;
}

/**
 * Remembers, on disk, the GPU activities this worker is running. A worker restarted after a crash (the supervisor
 * restarts it within seconds, on the same queue) reports its predecessor's activities as failed at once, so they are
 * retried now, from their last checkpoint, instead of after a heartbeat timeout.
 */
export class RunningActivities {
  constructor(private readonly dir: string) {}

  private file(taskToken: Uint8Array): string {
    return path.join(this.dir, `${createHash('sha1').update(taskToken).digest('hex')}.json`);
  }

  interceptor(): ActivityInterceptorsFactory {
    return (ctx) => ({
      inbound: {
        execute: async (input, next) => {
          const file = this.file(ctx.info.taskToken);
          const record: Record = {
            taskToken: Buffer.from(ctx.info.taskToken).toString('base64'),
            workflowId: ctx.info.workflowExecution?.workflowId,
            activityType: ctx.info.activityType,
            pid: process.pid,
            host: os.hostname(),
            startedAt: new Date().toISOString(),
          };
          mkdirSync(this.dir, { recursive: true });
          writeFileSync(file, JSON.stringify(record));
          try {
            return await next(input);
          } finally {
            rmSync(file, { force: true });
          }
        },
      },
    });
  }

  /** Fails the activities a dead predecessor on this host left running (retryable, so they run again). */
  async failLeftovers(client: Client, logger: Logger): Promise<number> {
    let failed = 0;
    let names: string[] = [];
    try {
      names = readdirSync(this.dir);
    } catch {
      return 0;
    }
    for (const name of names.filter((n) => n.endsWith('.json'))) {
      const file = path.join(this.dir, name);
      let record: Record;
      try {
        record = JSON.parse(readFileSync(file, 'utf8')) as Record;
      } catch {
        rmSync(file, { force: true });
        continue;
      }
      if (record.host !== os.hostname() || record.pid === process.pid || isProcessAlive(record.pid)) continue;
      try {
        await client.activity.fail(
          Buffer.from(record.taskToken, 'base64'),
          ApplicationFailure.retryable('The GPU worker running it stopped (restarted after a crash)', 'WorkerRestarted'),
        );
        failed++;
        logger.info('worker.activity_recovered', `Handed back ${record.activityType} of ${record.workflowId} left by a crashed worker`, {
          workflowId: record.workflowId,
        });
      } catch {
        // Already timed out or finished: nothing to hand back.
      }
      rmSync(file, { force: true });
    }
    return failed;
  }
}
