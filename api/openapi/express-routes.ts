import type { Express } from 'express';

/** One route Express answers: its method and its path in OpenAPI form (`/api/trainings/{id}`). */
export interface RegisteredRoute {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
}

interface Layer {
  rawPath?: string | string[];
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);
const toOpenApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}').replace(/(.)\/$/, '$1');

function walk(stack: Layer[], prefix: string, out: RegisteredRoute[]): void {
  for (const layer of stack) {
    if (layer.route) {
      for (const [method, on] of Object.entries(layer.route.methods)) {
        if (on && METHODS.has(method)) out.push({ method: method as RegisteredRoute['method'], path: toOpenApiPath(`${prefix}${layer.route.path}`) });
      }
    } else if (layer.handle?.stack && typeof layer.rawPath === 'string') {
      walk(layer.handle.stack, `${prefix}${layer.rawPath === '/' ? '' : layer.rawPath}`, out);
    }
  }
}

/** Every route of the app under `prefix` (default `/api`), from Express's own router: what it really answers. */
export function registeredRoutes(app: Express, prefix = '/api'): RegisteredRoute[] {
  const out: RegisteredRoute[] = [];
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '', out);
  return out.filter((route) => route.path === prefix || route.path.startsWith(`${prefix}/`));
}
