import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { Router } from 'express';
import { listModelFileRows } from '../../db/repositories/models';
import { modelIdParam, type BaseModel, type ModelList } from '../../lib/contracts/models';
import { findModel, MODEL_CATALOGUE, provisionWorkflowId, type BaseModelSpec } from '../../lib/models/catalogue';
import { CONTROL_QUEUE } from '../../lib/temporal/queues';
import { KIND, STATUS } from '../../lib/temporal/search-attributes';
import { provisionModels } from '../../workflows/provision-models';
import type { ApiDeps } from '../deps';
import { HttpError, notFound, parseOrThrow } from '../errors';
import { modelState } from '../models-state';

/** Whether a model's provisioning workflow runs; unknown (Temporal unreachable) counts as not running. */
async function isRunning(temporal: Client, modelId: string): Promise<boolean> {
  try {
    const description = await temporal.workflow.getHandle(provisionWorkflowId(modelId)).describe();
    return description.status.name === 'RUNNING';
  } catch {
    return false;
  }
}

/** The base models (issue 6) and the captioner (issue 24): their files and readiness, a download per model, and its cancellation. */
export function modelsRouter(deps: ApiDeps): Router {
  const { db: { db }, temporal, logger, config } = deps;
  const catalogue = deps.models ?? MODEL_CATALOGUE;
  const router = Router();

  async function describe(spec: BaseModelSpec): Promise<BaseModel> {
    const rows = await listModelFileRows(db);
    return modelState(spec, rows, config.storage.baseModels, await isRunning(temporal, spec.id), config.storage.root);
  }

  function specOf(raw: unknown): BaseModelSpec {
    const id = parseOrThrow(modelIdParam, raw, 'id');
    const spec = findModel(catalogue, id);
    if (!spec) throw notFound('Model');
    return spec;
  }

  router.get('/', async (_req, res) => {
    const rows = await listModelFileRows(db);
    const items = await Promise.all(
      catalogue.map(async (spec) => modelState(spec, rows, config.storage.baseModels, await isRunning(temporal, spec.id), config.storage.root)),
    );
    const body: ModelList = { items, hfTokenSet: Boolean(config.hfToken), hfEndpoint: config.hfEndpoint };
    res.json(body);
  });

  router.get('/:id', async (req, res) => {
    res.json(await describe(specOf(req.params.id)));
  });

  /** Starts the download, or joins the one already running (one workflow per model: a fixed id). */
  router.post('/:id/provision', async (req, res) => {
    const spec = specOf(req.params.id);
    const workflowId = provisionWorkflowId(spec.id);
    try {
      await temporal.workflow.start(provisionModels, {
        taskQueue: CONTROL_QUEUE,
        workflowId,
        workflowIdConflictPolicy: 'USE_EXISTING',
        args: [{ modelId: spec.id, files: spec.files }],
        typedSearchAttributes: [
          { key: KIND, value: 'models' },
          { key: STATUS, value: 'queued' },
        ],
      });
    } catch (err) {
      throw new HttpError(503, 'unavailable', `Temporal did not accept the download: ${(err as Error).message}`);
    }
    logger.info('models.provision_requested', `Download of ${spec.label} requested`, { modelId: spec.id, workflowId });
    res.status(202).location(`/api/models/${spec.id}`).json(await describe(spec));
  });

  /** Stops a running download; the bytes so far are kept and the next download resumes from them. */
  router.post('/:id/cancel', async (req, res) => {
    const spec = specOf(req.params.id);
    if (!(await isRunning(temporal, spec.id))) throw new HttpError(409, 'conflict', `${spec.label} is not downloading`);
    try {
      await temporal.workflow.getHandle(provisionWorkflowId(spec.id)).cancel();
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    logger.info('models.cancel_requested', `Download of ${spec.label} cancel requested`, { modelId: spec.id });
    res.status(202).json(await describe(spec));
  });

  return router;
}
