/**
 * Turns ai-toolkit's console streams (spec §3) into events. stdout carries lines; stderr carries tqdm bars
 * redrawn with `\r` (and cursor moves for nested bars) plus tracebacks.
 */

import type { TrainingEngineEvent } from '../interface';

type PhaseEvent = Extract<TrainingEngineEvent, { type: 'phase' }>;
export type EnginePhase = PhaseEvent['phase'];

/** The console's own events: phases and progress as the engine interface has them, plus what only the console says. */
export type EngineEvent =
  | PhaseEvent
  | Extract<TrainingEngineEvent, { type: 'progress' }>
  | { type: 'checkpoint'; path: string; step: number | null; final: boolean }
  | { type: 'pruned'; path: string }
  | { type: 'resumed'; step: number }
  | { type: 'oom_skip'; line: string }
  | { type: 'error'; message: string }
  | { type: 'stopped' }
  | { type: 'warning'; message: string };

export interface TqdmRecord {
  desc: string;
  n: number;
  total: number;
  elapsedSeconds: number | null;
  remainingSeconds: number | null;
  itPerSec: number | null;
  postfix: string;
}

// `{desc}: {pct:3.0f}%|{bar}| {n}/{total} [{elapsed}<{remaining}, {rate}{, postfix}]`
const TQDM = /^(?<desc>.*?):\s*(?<pct>\d{1,3})%\|(?<bar>[^|]*)\|\s*(?<n>\d+)\/(?<total>\d+)\s*\[(?<elapsed>[\d:?]+)<(?<remaining>[\d:?]+),\s*(?<rate>[^,\]]+?)(?:,\s*(?<postfix>[^\]]*))?\]\s*$/;
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g; // eslint-disable-line no-control-regex -- terminal escapes are the input

/** `1:12:52` or `10:27` → seconds; `?` → null. */
export function parseDuration(text: string): number | null {
  if (!/^\d+(:\d+){1,2}$/.test(text)) return null;
  return text.split(':').reduce((acc, part) => acc * 60 + Number(part), 0);
}

/** `2.50s/it` → 0.4; `1.23it/s` → 1.23; `?it/s` → null. */
export function parseRate(text: string): number | null {
  const secondsPerIt = /^([\d.]+)s\/it$/.exec(text.trim());
  if (secondsPerIt) return Number(secondsPerIt[1]) > 0 ? 1 / Number(secondsPerIt[1]) : null;
  const itPerSec = /^([\d.]+)it\/s$/.exec(text.trim());
  return itPerSec ? Number(itPerSec[1]) : null;
}

export function parseTqdmRecord(record: string): TqdmRecord | undefined {
  const m = TQDM.exec(record.trim());
  if (!m?.groups) return undefined;
  const g = m.groups as Record<string, string>;
  return {
    desc: g.desc!,
    n: Number(g.n),
    total: Number(g.total),
    elapsedSeconds: parseDuration(g.elapsed!),
    remainingSeconds: parseDuration(g.remaining!),
    itPerSec: parseRate(g.rate!),
    postfix: g.postfix ?? '',
  };
}

/** `lr: 1.0e-04 loss: 4.123e-01` → {lr, loss}. */
export function parsePostfix(postfix: string): { lr: number | null; loss: number | null } {
  const value = (key: string) => {
    const m = new RegExp(`(?:^|\\s)${key}:\\s*([-+\\d.eE]+|nan|inf)`).exec(postfix);
    const n = m ? Number(m[1]) : NaN;
    return Number.isFinite(n) ? n : null;
  };
  return { lr: value('lr'), loss: value('loss') };
}

const STDOUT_RULES: Array<[RegExp, (m: RegExpExecArray) => EngineEvent]> = [
  [/^Loading (Flux model|transformer|VAE|T5|CLIP)\b/, () => ({ type: 'phase', phase: 'loading' })],
  [/^Dataset: /, () => ({ type: 'phase', phase: 'loading' })],
  [/^Generating baseline samples before training/, () => ({ type: 'phase', phase: 'sampling' })],
  [/^Saving at step \d+/, () => ({ type: 'phase', phase: 'saving' })],
  [/^Sampling at step \d+/, () => ({ type: 'phase', phase: 'sampling' })],
  [
    /^Saved checkpoint to (.+\.safetensors)\s*$/,
    (m) => {
      const step = /_(\d{9})\.safetensors$/.exec(m[1]!);
      return { type: 'checkpoint', path: m[1]!, step: step ? Number(step[1]) : null, final: !step };
    },
  ],
  [/^Removing old save: (.+)$/, (m) => ({ type: 'pruned', path: m[1]! })],
  [/^Found step (\d+) in metadata, starting from there/, (m) => ({ type: 'resumed', step: Number(m[1]) })],
  [/^# OOM during training step, skipping batch/, (m) => ({ type: 'oom_skip', line: m.input.trim() })],
  [/^Error running job: (.*)$/, (m) => ({ type: 'error', message: m[1]!.trim() })],
  [/^Job stopped\s*$/, () => ({ type: 'stopped' })],
  [/^loss is nan/, () => ({ type: 'warning', message: 'The loss was NaN for a step (skipped by the engine)' })],
];

/** Keeps the last lines of a stream, for explaining a failure in the engine's own words. */
class Tail {
  private lines: string[] = [];
  constructor(private readonly size: number) {}
  push(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.size) this.lines.shift();
  }
  get(): string[] {
    return [...this.lines];
  }
}

export class ConsoleParser {
  private stdoutRest = '';
  private stderrRest = '';
  private phase: EnginePhase | undefined;
  readonly stdoutTail = new Tail(40);
  readonly stderrTail = new Tail(40);

  /**
   * @param jobName the training bar's description (`config.name`), to tell it from other bars.
   * @param onRecord receives every non-empty line (stdout) or bar redraw/line (stderr), e.g. for the log files.
   */
  constructor(
    private readonly jobName: string,
    private readonly emit: (event: EngineEvent) => void,
    private readonly onRecord: (stream: 'stdout' | 'stderr', record: string) => void = () => {},
  ) {}

  stdout(chunk: string): void {
    this.stdoutRest = this.split(this.stdoutRest + chunk, /\n/, (line) => this.stdoutLine(line));
  }

  stderr(chunk: string): void {
    this.stderrRest = this.split(this.stderrRest + chunk, /[\r\n]/, (record) => this.stderrRecord(record));
  }

  /** Flushes what is left when the streams close. */
  end(): void {
    if (this.stdoutRest) this.stdoutLine(this.stdoutRest);
    if (this.stderrRest) this.stderrRecord(this.stderrRest);
    this.stdoutRest = this.stderrRest = '';
  }

  private split(buffer: string, separator: RegExp, handle: (piece: string) => void): string {
    const pieces = buffer.split(separator);
    const rest = pieces.pop() ?? '';
    for (const piece of pieces) handle(piece);
    return rest;
  }

  private setPhase(phase: EnginePhase): void {
    if (phase === this.phase) return;
    this.phase = phase;
    this.emit({ type: 'phase', phase });
  }

  private stdoutLine(raw: string): void {
    const line = raw.replace(ANSI, '').trimEnd();
    if (!line.trim()) return;
    this.onRecord('stdout', line);
    this.stdoutTail.push(line);
    for (const [pattern, toEvent] of STDOUT_RULES) {
      const m = pattern.exec(line);
      if (!m) continue;
      const event = toEvent(m);
      if (event.type === 'phase') this.setPhase(event.phase);
      else this.emit(event);
      return;
    }
  }

  private stderrRecord(raw: string): void {
    const record = raw.replace(ANSI, '').trimEnd();
    if (!record.trim()) return;
    this.onRecord('stderr', record);
    const bar = parseTqdmRecord(record);
    if (!bar) {
      this.stderrTail.push(record);
      return;
    }
    if (bar.desc.trim() === 'Generating Images') {
      this.setPhase('sampling');
      return;
    }
    if (bar.desc.trim() !== this.jobName) return; // dataset scans, latent caching, downloads
    this.setPhase('training');
    const { lr, loss } = parsePostfix(bar.postfix);
    this.emit({
      type: 'progress',
      step: bar.n,
      totalSteps: bar.total,
      itPerSec: bar.itPerSec,
      remainingSeconds: bar.remainingSeconds,
      loss,
      lr,
    });
  }
}
