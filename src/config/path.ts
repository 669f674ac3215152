// Paths into purge.yaml (`groups.posts.urls[2]`) and how the checks report a problem at one. A
// leaf: loading, the schema messages and every rule name places in the file through it.

/** A key of a mapping or an index of a list, from the root of the document down. */
export type PathSegment = string | number;

/** A problem at a node: at its key (`'key'`) or at its value. */
export type Report = (path: readonly PathSegment[], at: 'key' | 'value', message: string, hint?: string) => void;

/** A path as messages name it: `groups.posts.urls[2]`; the empty path is "the top level". */
export function displayPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out === '' ? 'the top level' : out;
}
