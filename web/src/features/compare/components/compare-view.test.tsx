import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { generationInput, resolveGenerationParams, type Generation, type GenerationInput } from '../../../../../lib/contracts/generations';
import type { PictureLikeness } from '../../../../../lib/contracts/likeness';
import { buildCharacter } from '../../../testing/fixtures/characters';
import { buildGeneration } from '../../../testing/fixtures/generations';
import { buildCheckpoint, buildLora, buildTrainingRun } from '../../../testing/fixtures/trainings';
import { db } from '../../../testing/msw/db';
import { validationFailed } from '../../../testing/msw/responses';
import { server } from '../../../testing/msw/server';
import { renderWithProviders } from '../../../testing/test-utils';
import { CompareView } from './compare-view';

const scored = (similarity: number): PictureLikeness => ({
  scorer: 'face-api@1',
  status: 'scored',
  similarity,
  recognisable: similarity >= 0.935,
  faces: 1,
  copyOf: null,
  scoredAt: '2026-01-16T12:00:05.000Z',
});

/** The fake API, taking checkpoint generations as the real one does: every request kept, each one queued. */
function acceptGenerations(requests: GenerationInput[]) {
  server.use(
    http.post('/api/generations', async ({ request }) => {
      const body = (await request.json()) as GenerationInput;
      const parsed = generationInput.safeParse(body);
      if (!parsed.success) return validationFailed(parsed.error.issues);
      requests.push(body);
      const lora = { id: body.loraId ?? null, fileName: 'x.safetensors', name: 'Ada', triggerWord: 'ada', baseModel: 'flux1-dev' as const };
      const parameters = resolveGenerationParams(parsed.data, body.loraId || body.checkpoint ? lora : null, () => 1);
      const generation = buildGeneration({ status: 'queued', parameters, characterId: body.characterId ?? null, createdAt: new Date().toISOString() });
      db.generations.push(generation);
      return HttpResponse.json(generation, { status: 202 });
    }),
  );
}

/** The workflow made a generation's pictures (likeness still to be scored), or the scorer scored them. */
function complete(id: string, likeness: (index: number) => PictureLikeness | null) {
  db.generations = db.generations.map((g): Generation =>
    g.id !== id
      ? g
      : {
          ...g,
          status: 'completed',
          progress: 1,
          finishedAt: new Date().toISOString(),
          outputs: Array.from({ length: g.parameters.batch }, (_, index) => ({
            id: `${g.id.slice(0, 24)}${String(index).padStart(12, '0')}`,
            index,
            url: `/api/outputs/${g.id}-${index}`,
            width: 1024,
            height: 1024,
            seed: g.parameters.seed + index,
            likeness: likeness(index),
            favourite: false,
          })),
        },
  );
}

function setup() {
  const ada = buildCharacter({ name: 'Ada' });
  const version = buildLora({ characterId: ada.id, name: 'Ada v1' });
  const run = { ...buildTrainingRun({ characterId: ada.id }), status: 'completed' as const, phase: 'done' as const, likeness: null };
  const extra = { likeness: null, recommended: false };
  db.characters = [ada];
  db.trainingRuns = [run];
  db.loras = [version];
  db.checkpoints[run.id] = [
    { ...buildCheckpoint(run.id, { step: 50 }), ...extra },
    { ...buildCheckpoint(run.id, { step: 100, final: true, loraId: version.id }), ...extra },
  ];
  const requests: GenerationInput[] = [];
  acceptGenerations(requests);
  const user = userEvent.setup();
  renderWithProviders(<CompareView runId={run.id} pollMs={20} />);
  return { ada, run, version, requests, user };
}

const grid = () => screen.findByRole('table');
const cell = (row: string, column: string) => screen.getByTestId(`cell ${row} ${column}`);

describe('The comparison grid', () => {
  it('builds checkpoints × prompts in one click, fills each cell with its picture and likeness, and keeps a checkpoint as a version', async () => {
    const { ada, run, version, requests, user } = setup();
    await screen.findByRole('checkbox', { name: 'Step 50' });
    await user.type(screen.getByRole('textbox', { name: 'Prompt 1' }), 'portrait by a window');
    await user.type(screen.getByRole('textbox', { name: 'Prompt 3' }), 'on a bicycle');
    const seed = Number((screen.getByRole('textbox', { name: 'Seed' }) as HTMLInputElement).value);
    await user.click(screen.getByRole('button', { name: 'Build the grid' }));

    await grid();
    // One generation per cell: each checkpoint a column (the one kept as a version by its LoRA), each prompt a row.
    expect(requests).toEqual([
      { characterId: ada.id, prompt: 'portrait by a window', checkpoint: { runId: run.id, step: 50 }, loraStrength: 1, seed },
      { characterId: ada.id, prompt: 'portrait by a window', loraId: version.id, loraStrength: 1, seed },
      { characterId: ada.id, prompt: 'on a bicycle', checkpoint: { runId: run.id, step: 50 }, loraStrength: 1, seed },
      { characterId: ada.id, prompt: 'on a bicycle', loraId: version.id, loraStrength: 1, seed },
    ]);
    const headers = within(screen.getByRole('table')).getAllByRole('columnheader').map((h) => h.textContent);
    expect(headers).toEqual(['Step 50Keep as a version (step 50)', 'Final (step 100)Version: Ada v1']);
    expect(within(screen.getByRole('table')).getAllByRole('rowheader').map((h) => h.textContent)).toEqual(['portrait by a window', 'on a bicycle']);
    expect(cell('prompt-0', '50').textContent).toBe('Queued');

    const [first, second, third] = db.generations;
    complete(first!.id, () => null);
    complete(second!.id, () => scored(0.962));
    complete(third!.id, () => ({ ...scored(0), status: 'no_face', similarity: null, recognisable: false, faces: 0 }));
    await waitFor(() => expect(within(cell('prompt-0', '50')).getByRole('img', { name: 'portrait by a window, Step 50' })).toBeTruthy());
    expect(cell('prompt-0', '50').textContent).toBe('Scoring…');
    await waitFor(() => expect(cell('prompt-0', 'final').textContent).toBe('Likeness 0.96 · recognisable'));
    await waitFor(() => expect(cell('prompt-1', '50').textContent).toBe('No face'));
    expect(cell('prompt-1', 'final').textContent).toBe('Queued');

    // The likeness scored later shows up in the cell that said "Scoring…".
    complete(first!.id, () => scored(0.9));
    await waitFor(() => expect(cell('prompt-0', '50').textContent).toBe('Likeness 0.90 · not recognisable'));

    await user.click(screen.getByRole('button', { name: 'Keep as a version (step 50)' }));
    await waitFor(() => expect(db.checkpointLoraRequests).toEqual([{ runId: run.id, which: '50' }]));
    const kept = db.loras.find((l) => l.steps === 50)!;
    await waitFor(() => expect(within(screen.getByRole('table')).getAllByRole('columnheader')[0]!.textContent).toBe(`Step 50Version: ${kept.name}`));
  });

  it('builds strengths × seeds: one generation per strength, its batch one picture per seed', async () => {
    const { run, requests, user } = setup();
    await screen.findByRole('checkbox', { name: 'Step 50' });
    await user.click(screen.getByRole('radio', { name: 'Strengths × seeds' }));
    await user.selectOptions(screen.getByRole('combobox', { name: 'Checkpoint' }), '50');
    await user.type(screen.getByRole('textbox', { name: 'Prompt' }), 'portrait');
    await user.clear(screen.getByRole('textbox', { name: 'Strengths (rows)' }));
    await user.type(screen.getByRole('textbox', { name: 'Strengths (rows)' }), '0.8, 1.2');
    await user.clear(screen.getByRole('textbox', { name: 'First seed' }));
    await user.type(screen.getByRole('textbox', { name: 'First seed' }), '40');
    await user.click(screen.getByRole('button', { name: 'Build the grid' }));

    await grid();
    expect(requests.map((r) => [r.checkpoint, r.loraStrength, r.seed, r.batch])).toEqual([
      [{ runId: run.id, step: 50 }, 0.8, 40, 3],
      [{ runId: run.id, step: 50 }, 1.2, 40, 3],
    ]);
    expect(within(screen.getByRole('table')).getAllByRole('columnheader').map((h) => h.textContent)).toEqual(['Seed 40', 'Seed 41', 'Seed 42']);
    complete(db.generations[1]!.id, (index) => scored(0.94 + index / 100));
    await waitFor(() => expect(cell('strength-1.2', 'seed-2').textContent).toBe('Likeness 0.96 · recognisable'));
    expect(cell('strength-0.8', 'seed-0').textContent).toBe('Queued');

    // Cancel asks for the generations still being made, and only those.
    await user.click(screen.getByRole('button', { name: 'Cancel the grid (1 left)' }));
    await waitFor(() => expect(db.cancels).toEqual([db.generations[0]!.id]));
  });

  it('sends nothing while a choice is empty or invalid, and says what to fix', async () => {
    const { requests, user } = setup();
    await screen.findByRole('checkbox', { name: 'Step 50' });
    await user.click(screen.getByRole('checkbox', { name: 'Step 50' }));
    await user.click(screen.getByRole('checkbox', { name: 'Final (step 100)' }));
    await user.clear(screen.getByRole('textbox', { name: 'LoRA strength' }));
    await user.type(screen.getByRole('textbox', { name: 'LoRA strength' }), '3');
    await user.click(screen.getByRole('button', { name: 'Build the grid' }));

    expect(await screen.findByText('Choose at least one checkpoint')).toBeTruthy();
    expect(screen.getByText('Write at least one prompt')).toBeTruthy();
    expect(screen.getByText('A strength is a number from 0 to 2')).toBeTruthy();

    await user.click(screen.getByRole('radio', { name: 'Strengths × seeds' }));
    await user.type(screen.getByRole('textbox', { name: 'Prompt' }), 'portrait');
    await user.clear(screen.getByRole('textbox', { name: 'Strengths (rows)' }));
    await user.type(screen.getByRole('textbox', { name: 'Strengths (rows)' }), '0.8, lots');
    await user.click(screen.getByRole('button', { name: 'Build the grid' }));
    expect(await screen.findByText('Each strength is a number from 0 to 2, separated by commas')).toBeTruthy();
    expect(requests).toEqual([]);
    expect(screen.queryByRole('table')).toBeNull();
  });
});
