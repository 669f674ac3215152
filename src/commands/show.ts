// `purgeplan show PLANFILE`: renders a saved plan as plan would (human, --json, --markdown).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { UserError } from '../errors.js';
import type { Plan } from '../plan/types.js';
import { renderHuman } from '../render/human.js';
import { renderJson } from '../render/json.js';
import { renderMarkdown } from '../render/markdown.js';
import type { Io } from './io.js';

export function readPlanFile(file: string, cwd: string): Plan {
  let text: string;
  try {
    text = readFileSync(resolve(cwd, file), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(`cannot read plan file ${file}: ${code === 'ENOENT' ? 'no such file' : code ?? 'error'}`, { hint: 'save a plan with `purgeplan plan --out FILE`' });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UserError(`${file} is not a purgeplan plan file (it is not JSON)`, { hint: 'save a plan with `purgeplan plan --out FILE`' });
  }
  const plan = value as Partial<Plan> | null;
  if (plan === null || typeof plan !== 'object' || !('format_version' in plan)) throw new UserError(`${file} is not a purgeplan plan file (no format_version)`);
  if (plan.format_version !== 1) throw new UserError(`${file}: unsupported plan format_version: expected 1, got ${JSON.stringify(plan.format_version)}`, { hint: 'it was saved by another version of purgeplan: plan again with this one' });
  if (!Array.isArray(plan.requests) || !Array.isArray(plan.groups) || !Array.isArray(plan.zones) || !plan.summary || !plan.config || typeof plan.plan_id !== 'string') {
    throw new UserError(`${file} is not a complete purgeplan plan file`, { hint: 'save a plan with `purgeplan plan --out FILE`' });
  }
  return plan as Plan;
}

export function showCommand(file: string, options: { json: boolean; markdown: boolean }, io: Io): number {
  const plan = readPlanFile(file, io.cwd);
  if (options.json) io.stdout(renderJson(plan));
  else if (options.markdown) io.stdout(renderMarkdown(plan));
  else io.stdout(renderHuman(plan, { style: io.stdoutStyle }));
  return 0;
}
