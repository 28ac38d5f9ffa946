/** The workflow bundle's entry: every workflow the control worker runs. */
export { generateImages } from './generate-images';
export { selfTest } from './self-test';
export { trainLora } from './train-lora';
export { provisionModels } from './provision-models';
export { deliverWebhook } from './deliver-webhook';
export { captionPhotos } from './caption-photos';
