import type { Client } from '@temporalio/client';
import type { DatabaseHandle } from '../db/client';
import type { ArtifactStore } from '../lib/artifacts/store';
import type { Config } from '../lib/config';
import type { Logger } from '../lib/logger/logger';
import type { ModelCatalogue } from '../lib/models/catalogue';
import type { Auth } from './auth/service';
import type { JobReconciler } from './jobs/reconciler';
import type { ChangeBus } from './events/change-bus';
import type { ListCache } from './middleware/list-cache';
import type { PhotoChecker } from './photo-checks/checker';

/** Everything the HTTP layer needs, created once by the control plane (or by a test). */
export interface ApiDeps {
  config: Config;
  logger: Logger;
  /** Where browser errors posted to /api/client-logs go (logs/web/latest/client.log). */
  clientLogger: Logger;
  db: DatabaseHandle;
  /** Where jobs' files are stored: files a GPU worker wrote are pulled from it before they are served. */
  artifacts: ArtifactStore;
  temporal: Client;
  /**
   * The client shares the connection of the control worker beside the API: a generation it starts can take its
   * first workflow task there at once (eager start) instead of waiting for the worker's next poll.
   */
  eagerStart?: boolean;
  changes: ChangeBus;
  /** Lists answered from memory until something is written (the control worker beside the API invalidates it too). */
  lists: ListCache;
  auth: Auth;
  /** Closes jobs whose workflow has ended or is gone (Stop and Cancel call it for a job whose workflow is gone). */
  reconciler: JobReconciler;
  /** The photo checks that run in the background (faces, the set); without it photos stay unchecked. */
  photoChecks?: PhotoChecker;
  /** The base models to provision; tests give their own (the real ones weigh 40 GB). */
  models?: ModelCatalogue;
  /** The built web app to serve; omitted when only the API runs. */
  webDir?: string;
}
