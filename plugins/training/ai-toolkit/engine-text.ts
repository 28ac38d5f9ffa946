/**
 * User text on its way into ai-toolkit, so that the engine uses exactly what the person wrote (spec §10).
 *
 * The engine rewrites text in three places:
 * - `toolkit/config.py` replaces `${VAR}` in the raw config file with the environment variable (an unset one aborts
 *   the run), then `[name]` anywhere in the parsed config with the job name;
 * - `inject_trigger_into_prompt` (`toolkit/prompt_utils.py`) replaces `[trigger]` and `[name]` in sample prompts
 *   and captions with the trigger word;
 * - `GenerateImageConfig._process_prompt_string` (`toolkit/config_modules.py`) cuts a sample prompt at every `--`
 *   and reads what follows as an option (`--w 64`, `--seed 7`, `--n …`).
 * Captions are read from files, so only the trigger replacement applies to them.
 */

/** Trigger tags: the engine puts the trigger word in place of both (`[trigger]` is the one Isengard documents). */
const TRIGGER_TAGS = ['[trigger]', '[name]'] as const;

/**
 * The config file's text: JSON in which every `$` is written as the escape `\u0024`. The environment substitution
 * runs on the raw text, so it never sees `${`; the JSON parser then turns the escape back into `$`.
 */
export function configFileText(config: unknown): string {
  return JSON.stringify(config, null, 2).replaceAll('$', '\\u0024');
}

/**
 * `run.py --name [name]`: the engine replaces `[name]` in the config with this value, so the replacement changes
 * nothing (the job's name comes from `config.name` all the same).
 */
export const KEEP_NAME_TAG_ARGS = ['--name', '[name]'] as const;

/** A sample prompt as the engine uses it and as the person reads it on its sample: the trigger tags filled in. */
export function promptAsUsed(prompt: string, triggerWord: string): string {
  let out = prompt;
  for (const tag of TRIGGER_TAGS) out = out.replaceAll(tag, triggerWord);
  return out;
}

/**
 * The prompt written into the config: trigger tags filled in here (the engine then finds none), and any run of
 * dashes that the engine would read as an option turned into an em dash. The contract refuses `--` in new prompts
 * (lib/contracts/training.ts); this keeps runs whose settings were stored before that rule from being cut short or
 * from failing on a flag like `--w wide`.
 */
export function enginePrompt(prompt: string, triggerWord: string): string {
  return promptAsUsed(prompt, triggerWord).replace(/-{2,}/g, '\u2014');
}
