// What apply uses of warming (docs/commands.md#warm-the-cache): its flags, checked before anything is sent,
// and the phase it runs last.
export { warmSettings } from './flags.js';
export type { WarmFlags } from './flags.js';
export { warmAfterApply } from './phase.js';
