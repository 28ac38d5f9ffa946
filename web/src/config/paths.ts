/** Every route of the web app, so that links and the router agree. */
export const paths = {
  home: '/',
  characters: '/characters',
  character: (id: string) => `/characters/${encodeURIComponent(id)}`,
  train: '/train',
  trainingPattern: '/trainings/:id',
  training: (id: string) => `/trainings/${encodeURIComponent(id)}`,
  generate: '/generate',
  gallery: '/gallery',
  compare: '/compare',
  video: '/video',
  models: '/models',
  system: '/system',
} as const;
