// What counts as text for purgeplan's inputs (purge.yaml and vars files): no NUL byte, valid UTF-8.

export type Decoded = { readonly text: string } | { readonly problem: 'binary' | 'not-utf8' };

export function decodeText(bytes: Uint8Array): Decoded {
  if (bytes.includes(0)) return { problem: 'binary' };
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { problem: 'not-utf8' };
  }
}
