/** Every route of the web app, so that links and the router agree. */
export const paths = {
  home: '/',
  characters: '/characters',
  character: (id: string) => `/characters/${encodeURIComponent(id)}`,
  train: '/train',
  /** Every run of every character. */
  trainings: '/trainings',
  trainingPattern: '/trainings/:id',
  training: (id: string) => `/trainings/${encodeURIComponent(id)}`,
  generate: '/generate',
  gallery: '/gallery',
  compare: '/compare',
  video: '/video',
  /** Every trained model (LoRA) of every character. */
  loras: '/loras',
  models: '/models',
  system: '/system',
} as const;
