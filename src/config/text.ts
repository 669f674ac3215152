// What counts as text for purgeplan's inputs (purge.yaml and vars files): no NUL byte, valid UTF-8.

type Decoded = { readonly text: string } | { readonly problem: 'binary' | 'not-utf8' | 'utf16' };

export function decodeText(bytes: Uint8Array): Decoded {
  // A UTF-16 byte order mark (what Windows PowerShell 5's `>` writes) is text in the wrong
  // encoding, not a binary file: say so, rather than "it contains NUL bytes".
  if (bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))) return { problem: 'utf16' };
  if (bytes.includes(0)) return { problem: 'binary' };
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { problem: 'not-utf8' };
  }
}
