// Keeps every file the dashboard serves inside the results directory: a request path is decoded
// segment by segment and refused when a segment could climb out or is hidden, and the resolved
// file's real path (symlinks followed) must still lie under the root's real path.
import { realpathSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';

/**
 * The decoded segments of a raw URL path (`exp/trial/config.json`, no leading slash), or
 * undefined when any segment is empty (`//`, an absolute path), `.` or `..` (also encoded as
 * `%2e%2e`), hidden (`.report/`, a writer's `.summary.json.tmp-…`), not valid percent-encoding,
 * or holds a slash, backslash or NUL once decoded (`%2f`, `%5c`).
 */
export function safeSegments(rawPath: string): string[] | undefined {
  if (rawPath === '') return [];
  const out: string[] = [];
  for (const raw of rawPath.split('/')) {
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      return undefined;
    }
    if (seg === '' || seg.startsWith('.') || /[/\\\0]/.test(seg)) return undefined;
    out.push(seg);
  }
  return out;
}

/** True when `path` is `root` or lies below it (both real paths). */
export function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/**
 * The real path of `rawPath` under `root` when it exists and stays inside it (a symlink may point
 * elsewhere inside the root, never out of it); undefined otherwise, so the caller answers 404.
 */
export function confinedPath(root: string, rawPath: string): string | undefined {
  const segments = safeSegments(rawPath);
  if (!segments) return undefined;
  try {
    const realRoot = realpathSync(root);
    const real = realpathSync(join(realRoot, ...segments));
    return isInside(realRoot, real) ? real : undefined;
  } catch {
    return undefined; // absent, or a dangling link
  }
}

/** A folder name in a route (`/api/experiments/<name>`): one safe segment naming a directory inside `root`. */
export function confinedDir(root: string, name: string): string | undefined {
  const dir = confinedPath(root, name);
  if (!dir || name.includes('/')) return undefined;
  try {
    return statSync(dir).isDirectory() ? dir : undefined;
  } catch {
    return undefined;
  }
}
