import { LineCounter, parseDocument, type Document, type YAMLError } from 'yaml';
import type { ManifestIssue, SourcePosition } from '../errors.js';
import { readSimpleYaml } from './simple-yaml.js';
import { toNodes } from './yaml-to-nodes.js';
import type { YamlNode } from './yaml-node.js';

export interface ParsedYaml {
  root: YamlNode | undefined; // undefined for an empty file, one with syntax errors or an alias bomb
  issues: ManifestIssue[];
}

/** The tags of plain values; `!` alone means "no particular type" and is fine too. */
const PLAIN_TAGS = ['!', '!!str', '!!int', '!!bool', '!!null', '!!float', '!!map', '!!seq'];

/**
 * Parses one YAML file into position-keeping nodes; `file` is the name issues are reported with. The
 * common shape is read by simple-yaml.ts, in a fraction of the library's time; the rest by the library.
 */
export function parseYaml(text: string, file: string): ParsedYaml {
  return readSimpleYaml(text, file) ?? parseWithLibrary(text, file);
}

/** Any YAML, by the yaml library; exported so that tests can hold simple-yaml.ts to the same results. */
export function parseWithLibrary(text: string, file: string): ParsedYaml {
  const lineCounter = new LineCounter();
  // Each error and warning the library makes is an Error, whose stack V8 captures as it is made: 2 of
  // the 8 s a manifest with 200,000 foreign tags took. Nothing reads those stacks.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  let doc: Document;
  try {
    doc = parseDocument(text, {
      lineCounter,
      prettyErrors: false,
      merge: true, // `<<: *base` shares settings between services, as docker-compose files do
      uniqueKeys: false, // its check compares each key with every earlier one; toNodes finds duplicates
      resolveKnownTags: false, // so !!set, !!binary and !!timestamp are reported like any other foreign tag
    });
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
  const at = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col };
  };
  const issues: ManifestIssue[] = doc.errors.map((error) => ({ ...at(error.pos[0]), message: describeYamlError(error, text) }));
  // Follow-up problems of a syntactically broken file would only confuse.
  if (issues.length > 0 || doc.contents === null) return { root: undefined, issues };
  for (const issue of findForeignTags(doc, text, at)) issues.push(issue);
  const converted = toNodes(doc, at);
  return { root: converted.root, issues: [...issues, ...converted.issues] };
}

/**
 * Tags such as `!!js/function` or `!foo` ask for a type devsup has not got; the library keeps the
 * plain value and only warns. A plain tag that does not fit its value (`!!float 1`) is left alone.
 */
function findForeignTags(doc: Document, text: string, at: (offset: number) => SourcePosition): ManifestIssue[] {
  return doc.warnings.flatMap((warning) => {
    if (warning.code !== 'TAG_RESOLVE_FAILED') return [];
    const tag = /^!(?:<[^>]*>|[^\s,[\]{}]*)/.exec(text.slice(warning.pos[0], warning.pos[0] + 1024))?.[0];
    if (tag === undefined || PLAIN_TAGS.includes(tag)) return [];
    return [{ ...at(warning.pos[0]), message: `unknown tag ${tag}: devsup reads plain YAML values; remove the tag` }];
  });
}

function describeYamlError(error: YAMLError, text: string): string {
  if (error.code === 'MULTIPLE_DOCS') return 'only one YAML document is allowed: remove the "---" separator';
  // The library reads nesting by recursion; thousands of levels end its stack.
  if (/Maximum call stack size exceeded/.test(error.message))
    return 'values nested thousands of levels deep: devsup reads no manifest that deep; flatten them';
  return `invalid YAML: ${error.message}${yamlHint(error, text)}`;
}

/**
 * What to do about the syntax errors people make in a manifest. The commonest: a command such as
 * `node -e "a: b"` holds ": ", which YAML reads as the start of a nested map.
 */
function yamlHint(error: YAMLError, text: string): string {
  const lineEnd = text.indexOf('\n', error.pos[0]);
  const restOfLine = text.slice(error.pos[0], lineEnd === -1 ? undefined : lineEnd);
  switch (error.code) {
    case 'BLOCK_AS_IMPLICIT_KEY':
      return /:(\s|$)/.test(restOfLine)
        ? ` — this value holds ": ", which YAML reads as a new key: put the whole value in quotes (command: 'node -e "a: b"') or write it as a list`
        : ' — check the indentation of the line below: it is deeper than its neighbours';
    case 'BAD_SCALAR_START':
      return ' — put the value in quotes';
    case 'TAB_AS_INDENT':
      return ' — indent with spaces';
    default:
      return '';
  }
}
