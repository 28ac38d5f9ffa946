/**
 * What to do after a failed run, by the failure's code. The API's message already says what went wrong in plain
 * words; this adds the next step.
 */
export function nextStepAfterFailure(code: string): string {
  switch (code) {
    case 'oom':
      return 'The GPU did not have enough memory, even in low-memory mode. Start again with the Quick preset, or choose fewer image sizes (leave out 1024 px) under Advanced.';
    case 'ram_oom':
      return 'The computer running the training needs more free memory (RAM). Close other programs on it, or choose fewer image sizes under Advanced, then start again: it continues from its last checkpoint.';
    case 'no_images':
    case 'NoUsablePhotos':
      return 'Add photos on the character page (at least 10 good ones), or include photos you left out, then start again.';
    case 'missing_weights':
      return 'The base model is not installed on the GPU machine. Whoever runs this Isengard needs to download FLUX.1-dev (it needs a Hugging Face token); then start again.';
    case 'bad_config':
      return 'Some settings do not work together. Reset the Advanced settings to the preset and start again.';
    case 'crash':
    case 'hung':
      return 'Start the training again: it continues from its last checkpoint. If it fails the same way twice, the System page and the logs say more.';
    case 'unavailable':
      return 'Isengard’s job engine could not be reached. Check the System page; when it says everything works, start again.';
    case 'TrainingRunGone':
      return 'The character of this run was deleted, so there is nothing to train.';
    default:
      return 'Start the training again. If it keeps failing, check the System page, or ask whoever runs this Isengard to look at the logs.';
  }
}
