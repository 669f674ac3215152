// `purgeplan show PLANFILE`: renders a saved plan as plan would (human, --json, --markdown).
import { readPlanFile } from '../plan/planfile.js';
import { renderHuman } from '../render/human.js';
import { jsonChunks } from '../render/json.js';
import { renderMarkdown } from '../render/markdown.js';
import type { Io } from './io.js';

// Loaded with a dynamic import, which the unused-export check does not follow.
// ts-unused-exports:disable-next-line
export async function showCommand(file: string, options: { json: boolean; markdown: boolean }, io: Io): Promise<number> {
  const plan = readPlanFile(file, io.cwd);
  if (options.json) await io.stdoutChunks(jsonChunks(plan));
  else if (options.markdown) io.stdout(renderMarkdown(plan));
  else io.stdout(renderHuman(plan, { style: io.stdoutStyle }));
  return 0;
}
