import type { Locator, Page } from 'playwright-core';
import type { FilePayload } from '../fixtures/photos';

/** A character's page: photos (upload, checks, captions), its trained models and runs. */
export class CharacterPage {
  readonly choosePhotos: Locator;
  readonly dropzone: Locator;
  readonly uploads: Locator;
  readonly uploadSummary: Locator;
  readonly photos: Locator;
  readonly readiness: Locator;
  readonly trainLink: Locator;
  readonly loras: Locator;

  constructor(readonly page: Page) {
    this.choosePhotos = page.getByRole('button', { name: 'Choose photos' });
    this.dropzone = page.locator('.dropzone');
    this.uploads = page.getByRole('list', { name: 'Uploads' });
    this.uploadSummary = page.locator('.upload-summary');
    this.photos = page.getByRole('list', { name: 'Photos' });
    this.readiness = page.locator('.readiness-sentence');
    this.trainLink = page.getByRole('link', { name: /^train a model of/i });
    this.loras = page.getByRole('region', { name: 'Trained models (LoRAs)' });
  }

  /** Through the visible button and the browser's file chooser, as a person does. */
  async uploadWithPicker(files: FilePayload[]): Promise<void> {
    const [chooser] = await Promise.all([this.page.waitForEvent('filechooser'), this.choosePhotos.click()]);
    await chooser.setFiles(files);
  }

  /** Drops files on the drop zone (a real drop event carrying a DataTransfer with the files). */
  async drop(files: FilePayload[]): Promise<void> {
    const payload = files.map((f) => ({ name: f.name, type: f.mimeType, data: f.buffer.toString('base64') }));
    const dataTransfer = await this.page.evaluateHandle((list) => {
      const transfer = new DataTransfer();
      for (const f of list) {
        const bytes = Uint8Array.from(atob(f.data), (c) => c.charCodeAt(0));
        transfer.items.add(new File([bytes], f.name, { type: f.type }));
      }
      return transfer;
    }, payload);
    await this.dropzone.dispatchEvent('dragenter', { dataTransfer });
    await this.dropzone.dispatchEvent('dragover', { dataTransfer });
    await this.dropzone.dispatchEvent('drop', { dataTransfer });
  }

  upload(name: string): Locator {
    return this.uploads.getByRole('listitem').filter({ hasText: name });
  }

  async waitForUploads(): Promise<string> {
    await this.uploadSummary.getByText(/^Upload finished/).waitFor({ timeout: 60_000 });
    return (await this.uploadSummary.textContent()) ?? '';
  }

  photo(originalName: string): Locator {
    return this.photos.getByRole('listitem').filter({ has: this.page.getByRole('img', { name: originalName, exact: true }) });
  }

  /** The size the browser shows the full photo at (its link's target), with the file's EXIF orientation applied. */
  async fullPhotoSize(originalName: string): Promise<{ width: number; height: number }> {
    const href = await this.photo(originalName).getByRole('link', { name: /opens the full photo/ }).getAttribute('href');
    if (!href) throw new Error(`The photo ${originalName} has no link to its full size`);
    return this.page.evaluate(async (src) => {
      const image = new Image();
      image.src = src;
      await image.decode();
      return { width: image.naturalWidth, height: image.naturalHeight };
    }, href);
  }

  verdicts(originalName: string): Locator {
    return this.page.getByRole('list', { name: `Checks of ${originalName}` });
  }

  caption(originalName: string): Locator {
    return this.page.getByRole('textbox', { name: `Caption of ${originalName}` });
  }

  useForTraining(originalName: string): Locator {
    return this.page.getByRole('checkbox', { name: `Use for training (${originalName})` });
  }
}
