import type { ImageOutput, ImageProgress } from '../../plugins/image/interface';

/** What starts the engine on one generation: reports progress, stops when `signal` aborts. */
export type StartEngine = (onProgress: ImageProgress, signal: AbortSignal) => Promise<ImageOutput[]>;

/** One generation on this worker's image engine, from the moment it was started, whoever follows it. */
export class GenerationRun {
  private readonly controller = new AbortController();
  private latest: number | undefined;
  private listener: ImageProgress | undefined;
  /** The engine's answer: the images, or why there are none. */
  readonly outcome: Promise<ImageOutput[]>;

  constructor(start: StartEngine) {
    const onProgress: ImageProgress = (fraction) => {
      this.latest = fraction;
      this.listener?.(fraction);
    };
    try {
      this.outcome = start(onProgress, this.controller.signal);
    } catch (err) {
      // An engine that cannot even begin (none registered, say) answers like one that failed.
      this.outcome = Promise.reject(err as Error);
    }
    // Nobody may be awaiting it yet (a run started early, not taken over): its failure is read later, or never.
    this.outcome.catch(() => undefined);
  }

  /** From now on `listener` hears the engine's progress, starting with the latest it reported, if any. */
  follow(listener: ImageProgress): void {
    this.listener = listener;
    if (this.latest !== undefined) listener(this.latest);
  }

  /** Interrupts the engine. */
  abort(reason?: unknown): void {
    this.controller.abort(reason);
  }
}

/**
 * Generations this worker's engine began as soon as their job took a GPU slot here, before the job's pinned
 * activity arrived: the engine works during the workflow's round trip instead of after it. The pinned activity
 * takes its run over (`claim`). A run nobody claims (the workflow was cancelled, failed or vanished between the
 * two) is interrupted when its slot is released, or after `unclaimedMs`.
 */
export class EarlyGenerations {
  private readonly waiting = new Map<string, { run: GenerationRun; timer: NodeJS.Timeout }>();

  constructor(
    private readonly unclaimedMs: number,
    /** Told of a run interrupted because nobody claimed it in time. */
    private readonly onUnclaimed: (jobId: string) => void = () => undefined,
  ) {}

  /** Starts the job's generation now, unless one already waits for it (a repeated acquire). */
  start(jobId: string, start: StartEngine): void {
    if (this.waiting.has(jobId)) return;
    const run = new GenerationRun(start);
    const timer = setTimeout(() => {
      if (this.drop(jobId, 'Nobody took over the generation started early')) this.onUnclaimed(jobId);
    }, this.unclaimedMs);
    timer.unref();
    this.waiting.set(jobId, { run, timer });
  }

  /** The run started early for `jobId`, now the caller's to follow and abort; undefined when there is none. */
  claim(jobId: string): GenerationRun | undefined {
    const entry = this.waiting.get(jobId);
    if (!entry) return undefined;
    clearTimeout(entry.timer);
    this.waiting.delete(jobId);
    return entry.run;
  }

  /** Interrupts the unclaimed run of `jobId`; false when there was none. */
  drop(jobId: string, reason: string): boolean {
    const run = this.claim(jobId);
    run?.abort(new Error(reason));
    return run !== undefined;
  }

  jobs(): string[] {
    return [...this.waiting.keys()];
  }
}
