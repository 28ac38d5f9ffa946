import type { TrainingFailure } from '../interface';

/** What the engine left behind when it exited: the parser's findings and the exit status. */
export interface ExitFacts {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** `Error running job: …` from stdout, if printed. */
  errorMessage: string | undefined;
  stdoutTail: string[];
  stderrTail: string[];
  stopRequested: boolean;
  /** Killed by us because it printed nothing for too long. */
  silent: boolean;
}

const OOM = /out of memory|OOM during training step/i;
/**
 * Host memory, not the GPU's: Python's MemoryError, numpy's and torch's CPU allocators, or the kernel's OOM killer
 * taking a data loader worker (torch: "DataLoader worker (pid 123) is killed by signal: Killed.").
 */
const RAM_OOM =
  /^MemoryError\b|Unable to allocate [\d.]+ [KMGTP]?i?B for an array|DefaultCPUAllocator: can't allocate memory|DataLoader worker \(pid.*\) is killed by signal: Killed/m;
const NO_IMAGES = /no images found in/i;
const MISSING_WEIGHTS =
  /does not appear to have a file named|Repository Not Found|GatedRepoError|Cannot access gated repo|401 Client Error|403 Client Error|is not a valid model identifier|not a local folder and is not a valid model|Can't load .* for|Incorrect path_or_model_id/i;
const BAD_CONFIG = /Could not find config file|config file is invalid|Unknown process type|name_or_path must be specified|Environment variable .+ not set/i;

function lastMeaningfulLine(lines: string[]): string | undefined {
  return [...lines].reverse().find((l) => /\w/.test(l) && !/^={5,}|^Result:|^ - \d+ (completed|failure)/.test(l.trim()));
}

/** Puts an engine exit into a category that says whether to retry and what to tell the user. */
export function classifyFailure(facts: ExitFacts): TrainingFailure {
  const detail = [...facts.stdoutTail.slice(-8), ...facts.stderrTail.slice(-12)];
  const text = [facts.errorMessage ?? '', ...facts.stderrTail, ...facts.stdoutTail].join('\n');
  const said = facts.errorMessage ?? lastMeaningfulLine(facts.stderrTail) ?? lastMeaningfulLine(facts.stdoutTail);

  if (facts.stopRequested) {
    return { code: 'stopped', retryable: false, message: 'Training was stopped.', detail };
  }
  if (facts.silent) {
    return {
      code: 'hung',
      retryable: true,
      message: 'The trainer stopped responding (no output for a long time); it was restarted from its last checkpoint.',
      detail,
    };
  }
  if (/No space left on device|ENOSPC/.test(text)) {
    return {
      code: 'disk_full',
      retryable: false,
      message: 'The disk is full: the trainer could not write its files. Free some space, then start the training again (it resumes from its last checkpoint).',
      detail,
    };
  }
  // SIGKILL that we did not send (a stop and a silent engine are handled above): on Linux that is the kernel's
  // OOM killer, or a container's memory limit. Not retried: the engine's host memory use (loading and quantizing
  // the model, caching latents, data loader workers) is the same on the next start on this host, which would only
  // load the model again for minutes to be killed at the same point.
  if (facts.signal === 'SIGKILL' || RAM_OOM.test(text)) {
    return {
      code: 'ram_oom',
      retryable: false,
      message:
        'The machine ran out of memory (RAM), so the system stopped the trainer. Close other programs that use a lot of ' +
        'memory or use a machine with more RAM, then start the training again: it continues from its last checkpoint.',
      detail,
    };
  }
  if (OOM.test(text)) {
    return {
      code: 'oom',
      retryable: false,
      message:
        'The GPU ran out of memory. Isengard retries with a lower-memory profile; if that fails too, ' +
        'choose fewer resolutions or a smaller rank under Advanced, or use a GPU with more memory.',
      detail,
    };
  }
  if (NO_IMAGES.test(text)) {
    return {
      code: 'no_images',
      retryable: false,
      message: 'The trainer found no usable photos in the prepared dataset. Add photos (JPEG, PNG, WebP or HEIC) and start again.',
      detail,
    };
  }
  if (MISSING_WEIGHTS.test(text)) {
    return {
      code: 'missing_weights',
      retryable: false,
      message:
        'The FLUX.1-dev model weights could not be loaded. Download them on the Models page (a Hugging Face token ' +
        'with access to the gated FLUX.1-dev repository is needed), then start again.',
      detail,
    };
  }
  if (BAD_CONFIG.test(text)) {
    return {
      code: 'bad_config',
      retryable: false,
      message: `The trainer refused its configuration: ${said ?? 'no reason given'}. This is a bug in Isengard; the logs have the details.`,
      detail,
    };
  }
  const how = facts.signal ? `was killed (${facts.signal})` : `exited with code ${facts.exitCode}`;
  return {
    code: 'crash',
    retryable: true,
    message: `The trainer ${how}${said ? `: ${said}` : ''}.`,
    detail,
  };
}
