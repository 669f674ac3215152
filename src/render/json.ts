// `plan --json` and saved plan files: the Plan value, one JSON document (spec §4.1).
import type { Plan } from '../plan/types.js';

export function renderJson(plan: Plan): string {
  return `${JSON.stringify(plan)}\n`;
}
