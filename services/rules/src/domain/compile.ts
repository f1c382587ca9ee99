// A rule set version compiled once: every CEL expression type-checked against the declared
// variables (errors carry the line and column), bounded in size and nesting, trial-run on the
// costliest inputs the limits allow, and parsed into a function evaluated for every lead.

import type { ASTNode, Environment } from '@marcbachmann/cel-js';
import {
  fieldError,
  ruleSetContentSchema,
  structuralErrors,
  type RuleDef,
  type RuleError,
  type RuleSetContent,
  type ScriptDef,
} from './rules.js';
import { createEnvironment, worstCaseScope, type Scope } from './variables.js';

export type Evaluator = (scope: Scope) => unknown;

export interface CompiledRule {
  readonly def: RuleDef;
  readonly index: number;
  /** Absent when `when` is empty (always true). */
  readonly when?: Evaluator;
  readonly priority?: Evaluator;
}

export interface CompiledRuleSet {
  readonly ruleSetId: string;
  readonly version: number;
  readonly content: RuleSetContent;
  readonly rules: readonly CompiledRule[];
  readonly scripts: readonly ScriptDef[];
  /** Event kinds some enabled trigger or retry rule reacts to (others need no evaluation). */
  readonly listens: ReadonlySet<string>;
  /** Some expression reads `stats.*` (the feedback counters are looked up only then). */
  readonly usesStats: boolean;
}

export type CompileResult = { ok: true; ruleSet: CompiledRuleSet } | { ok: false; errors: RuleError[] };

/** A comprehension inside a comprehension inside a comprehension grows with the cube of the data. */
const MAX_COMPREHENSION_NESTING = 2;
/** An expression that takes longer than this on the worst-case inputs is refused on save. */
export const TRIAL_BUDGET_MS = 25;
const TRIAL_RUNS = 5;
const COMPREHENSIONS = new Set(['map', 'filter', 'all', 'exists', 'exists_one', 'existsOne']);

let shared: Environment | undefined;
function environment(): Environment {
  shared ??= createEnvironment();
  return shared;
}

/** 1-based line and column of an offset in a source text. */
export function position(source: string, offset: number): { line: number; column: number } {
  const before = source.slice(0, Math.max(0, Math.min(offset, source.length)));
  const lines = before.split('\n');
  return { line: lines.length, column: lines[lines.length - 1]!.length + 1 };
}

interface CelError {
  code?: string;
  summary?: string;
  message: string;
  range?: { start: number; end: number };
}

function reasonOf(error: CelError, fallback: string): string {
  const code = (error.code ?? '').toUpperCase();
  if (code) return code;
  return fallback;
}

function celError(field: string, source: string, error: CelError, fallback: string): RuleError {
  const { line, column } = position(source, error.range?.start ?? 0);
  const summary = error.summary ?? error.message.split('\n')[0] ?? 'invalid expression';
  return { field, message: `${line}:${column}: ${summary}`, line, column, reason: reasonOf(error, fallback) };
}

/**
 * Functions refused in rules: `matches` runs a backtracking regular expression (one pattern can
 * take longer than the universe's age on 256 characters, and nothing interrupts it), `cel.bind`
 * lets an expression double a value at every level (2^depth growth), and `split` makes lists of
 * up to 257 items to range over (past the 64 the input limits allow).
 */
const FORBIDDEN = new Map([
  ['matches', 'regular expressions are not allowed in rules (use startsWith, endsWith or contains)'],
  ['bind', 'cel.bind is not allowed in rules'],
  ['split', 'split is not allowed in rules (its lists are not bounded by the input limits)'],
]);

interface Shape {
  depth: number;
  at: number;
  forbidden?: { name: string; at: number };
}

function shapeOf(node: ASTNode): Shape {
  const worst: Shape = { depth: 0, at: node.start };
  const visit = (n: unknown, depth: number): void => {
    if (!n || typeof n !== 'object' || worst.forbidden) return;
    if (Array.isArray(n)) {
      for (const item of n) visit(item, depth);
      return;
    }
    const ast = n as ASTNode;
    if (typeof ast.op !== 'string') return;
    let here = depth;
    if (ast.op === 'rcall' || ast.op === 'call') {
      const name = ast.args[0];
      if (FORBIDDEN.has(name)) {
        worst.forbidden = { name, at: ast.start };
        return;
      }
      if (ast.op === 'rcall' && COMPREHENSIONS.has(name)) {
        here = depth + 1;
        if (here > worst.depth) Object.assign(worst, { depth: here, at: ast.start });
      }
    }
    if (ast.op === 'value' || ast.op === 'id') return;
    visit(ast.args, here);
  };
  visit(node, 0);
  return worst;
}

/** Check and compile one expression; `expect` is the type it must have (dyn is checked at run time). */
export function compileExpression(
  field: string,
  source: string,
  expect: 'bool' | 'int',
  nowMs: number,
): { ok: true; evaluate: Evaluator } | { ok: false; error: RuleError } {
  const env = environment();
  let checked;
  try {
    checked = env.check(source);
  } catch (error) {
    return { ok: false, error: celError(field, source, error as CelError, 'SYNTAX') };
  }
  if (!checked.valid) {
    const error = checked.error as CelError | undefined;
    return {
      ok: false,
      error: error
        ? celError(field, source, error, 'TYPE')
        : fieldError(field, 'invalid expression', 'INVALID_EXPRESSION'),
    };
  }
  if (checked.type !== expect && checked.type !== 'dyn') {
    return {
      ok: false,
      error: {
        field,
        message: `1:1: the expression is ${checked.type ?? 'unknown'}, a ${expect} is needed`,
        line: 1,
        column: 1,
        reason: 'WRONG_TYPE',
      },
    };
  }
  const parsed = env.parse(source);
  const deep = shapeOf(parsed.ast);
  if (deep.forbidden) {
    const { line, column } = position(source, deep.forbidden.at);
    return {
      ok: false,
      error: {
        field,
        message: `${line}:${column}: ${FORBIDDEN.get(deep.forbidden.name) ?? 'function not allowed'}`,
        line,
        column,
        reason: 'FORBIDDEN_FUNCTION',
      },
    };
  }
  if (deep.depth > MAX_COMPREHENSION_NESTING) {
    const { line, column } = position(source, deep.at);
    return {
      ok: false,
      error: {
        field,
        message: `${line}:${column}: comprehensions nested ${deep.depth} deep (at most ${MAX_COMPREHENSION_NESTING}): the cost would grow without bound`,
        line,
        column,
        reason: 'TOO_COSTLY',
      },
    };
  }
  const evaluate = parsed as unknown as Evaluator;
  // Trial run on the costliest inputs: the time bounds every later evaluation of this expression.
  // The fastest of a few runs is the expression's cost (the others carry JIT warm-up and a busy
  // machine's pauses), so a valid rule is not refused because the host was loaded.
  const scope = worstCaseScope(nowMs);
  let bestMs = Infinity;
  for (let i = 0; i < TRIAL_RUNS; i++) {
    const started = performance.now();
    try {
      evaluate(scope);
    } catch {
      // Errors on made-up data (a missing map key) are expected; only the time counts here.
    }
    const ms = performance.now() - started;
    bestMs = Math.min(bestMs, ms);
    if (bestMs <= TRIAL_BUDGET_MS / 5 || ms > TRIAL_BUDGET_MS * 10) break;
  }
  if (bestMs > TRIAL_BUDGET_MS) {
    return {
      ok: false,
      error: {
        field,
        message: `1:1: the expression takes ${bestMs.toFixed(1)} ms on the largest inputs allowed (budget ${TRIAL_BUDGET_MS} ms)`,
        line: 1,
        column: 1,
        reason: 'TOO_COSTLY',
      },
    };
  }
  return { ok: true, evaluate };
}

/** Validate and compile a version's content (raw input from an API); every error is reported. */
export function compileRuleSet(
  ruleSetId: string,
  version: number,
  input: unknown,
  nowMs: number = Date.now(),
): CompileResult {
  const parsed = ruleSetContentSchema.safeParse(input);
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.map((issue) =>
        fieldError(
          issue.path.reduce<string>(
            (acc, part) =>
              typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part),
            '',
          ) || '(rule set)',
          issue.message,
          issue.code.toUpperCase(),
        ),
      ),
    };
  }
  const content = parsed.data;
  const errors = structuralErrors(content);
  const rules: CompiledRule[] = [];
  content.rules.forEach((def, index) => {
    let when: Evaluator | undefined;
    let priority: Evaluator | undefined;
    if (def.when.trim()) {
      const result = compileExpression(`rules[${index}].when`, def.when, 'bool', nowMs);
      if (result.ok) when = result.evaluate;
      else errors.push(result.error);
    }
    if (def.kind === 'priority' && def.priority.trim()) {
      const result = compileExpression(`rules[${index}].priority`, def.priority, 'int', nowMs);
      if (result.ok) priority = result.evaluate;
      else errors.push(result.error);
    }
    rules.push({ def, index, ...(when ? { when } : {}), ...(priority ? { priority } : {}) });
  });
  if (errors.length > 0) return { ok: false, errors };
  const listens = new Set<string>();
  for (const { def } of rules) {
    if (def.disabled) continue;
    if (def.kind === 'trigger') def.on.forEach((e) => listens.add(e));
    if (def.kind === 'retry') listens.add('attempts.completed');
  }
  const usesStats = content.rules.some((r) => /\bstats\./.test(r.when) || /\bstats\./.test(r.priority));
  return { ok: true, ruleSet: { ruleSetId, version, content, rules, scripts: content.scripts, listens, usesStats } };
}
