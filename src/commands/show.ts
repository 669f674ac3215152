// `purgeplan show PLANFILE`: renders a saved plan as plan would (human, --json, --markdown).
import { readPlanFile } from '../plan/planfile.js';
import { renderHuman } from '../render/human.js';
import { jsonChunks } from '../render/json.js';
import { renderMarkdown } from '../render/markdown.js';
import type { Io } from './io.js';
import { withSavedItems } from './saved-items.js';

// Loaded with a dynamic import, which the unused-export check does not follow.
// ts-unused-exports:disable-next-line
export async function showCommand(file: string, options: { json: boolean; markdown: boolean; expand?: boolean }, io: Io): Promise<number> {
  const plan = readPlanFile(file, io.cwd);
  if (options.json) {
    await io.stdoutChunks(jsonChunks(plan));
    return 0;
  }
  // Each group's items are listed from its purge.yaml when that is unchanged (docs/commands.md, "show").
  const listed = withSavedItems(plan, file, io.cwd);
  const expand = options.expand ?? false;
  if (options.markdown) io.stdout(renderMarkdown(listed, undefined, { expand }));
  else io.stdout(renderHuman(listed, { style: io.stdoutStyle, expand }));
  return 0;
}
