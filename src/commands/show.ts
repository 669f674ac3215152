// `purgeplan show PLANFILE`: renders a saved plan as plan would (human, --json, --markdown).
import { readPlanFile } from '../plan/planfile.js';
import { renderHuman } from '../render/human.js';
import { renderJson } from '../render/json.js';
import { renderMarkdown } from '../render/markdown.js';
import type { Io } from './io.js';

export function showCommand(file: string, options: { json: boolean; markdown: boolean }, io: Io): number {
  const plan = readPlanFile(file, io.cwd);
  if (options.json) io.stdout(renderJson(plan));
  else if (options.markdown) io.stdout(renderMarkdown(plan));
  else io.stdout(renderHuman(plan, { style: io.stdoutStyle }));
  return 0;
}
