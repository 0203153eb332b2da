import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The testing entry (`nestjs-call-automation/testing`) stands apart from the library: it uses
 * only types the library's public entry exports, and none of its names is one of the library's.
 */

const LIB = resolve(__dirname, '../../lib');
const TESTING = join(LIB, 'testing');

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** `export interface|type|class|function|const|enum Name` declarations of the files. */
function declaredNames(files: readonly string[]): Map<string, string> {
  const names = new Map<string, string>();
  const declaration =
    /^export\s+(?:declare\s+)?(?:abstract\s+)?(?:interface|type|class|function|const|enum)\s+([A-Za-z_$][\w$]*)/gm;
  for (const file of files) {
    for (const match of readFileSync(file, 'utf8').matchAll(declaration)) {
      if (match[1]) names.set(match[1], relative(LIB, file));
    }
  }
  return names;
}

describe('the testing entry’s boundary', () => {
  const testingFiles = sourceFiles(TESTING);

  it('imports from the library only types, and only through its public entry', () => {
    const crossings: string[] = [];
    const specifier = /^(import|export)(\s+type)?[^'"]*from\s+'(\.[^']*)'/gm;
    for (const file of testingFiles) {
      for (const match of readFileSync(file, 'utf8').matchAll(specifier)) {
        const target = resolve(dirname(file), match[3] ?? '');
        if (target.startsWith(TESTING)) continue;
        const publicTypes = target === join(LIB, 'index') && match[2] !== undefined;
        if (!publicTypes) crossings.push(`${relative(LIB, file)}: ${match[0]}`);
      }
    }
    expect(crossings).toEqual([]);
  });

  it('declares no name the library declares', () => {
    const library = declaredNames(sourceFiles(LIB).filter((file) => !file.startsWith(TESTING)));
    const clashes = [...declaredNames(testingFiles)]
      .filter(([name]) => library.has(name))
      .map(([name, file]) => `${name}: ${file} and ${library.get(name)}`);
    expect(clashes).toEqual([]);
  });
});
