// One workflow file, read as GitHub runs it for a push of the tag: GitHub's own parser says whether
// it is valid and which events start it; then every job and step is read in order, with the env
// and `${{ }}` values a tag push gives, and what each step publishes is either read (an image or
// artifact verify checks) or named as not verified, with why.
import { posix } from "node:path";
import { parseDocument } from "yaml";
import { readAction } from "./actions.ts";
import { type CommandContext, type Found, type PackagedChart, PUBLISHING_NAME, publishedBy } from "./commands.ts";
import { condition, type ExpressionScope, replaceExpressions, Unknown, valueOf } from "./expressions.ts";
import { shellSyntax } from "./libraries.ts";
import { type CheckedWorkflow, checkWorkflow } from "./parse.ts";
import { readScript, UNKNOWN_MARK } from "./shell.ts";
import type { ArtifactSpec, ImageSpec, NotVerified, Place, Workflow, WorkflowContext } from "./types.ts";

type Table = Record<string, unknown>;
const asTable = (v: unknown): Table | null => (v && typeof v === "object" && !Array.isArray(v) ? (v as Table) : null);

/** Reads another file of the repository at the same commit (a Chart.yaml, a called workflow). */
export type FileReader = (path: string) => Promise<string | null>;

/** GitHub's default variables of a step, for a push of the tag. */
function defaultShellEnv(ctx: WorkflowContext): [string, string][] {
  return [
    ["CI", "true"],
    ["GITHUB_ACTIONS", "true"],
    ["GITHUB_EVENT_NAME", "push"],
    ["GITHUB_REF", `refs/tags/${ctx.tag}`],
    ["GITHUB_REF_NAME", ctx.tag],
    ["GITHUB_REF_TYPE", "tag"],
    ["GITHUB_SHA", ctx.sha],
    ["GITHUB_REPOSITORY", ctx.repository],
    ["GITHUB_REPOSITORY_OWNER", ctx.owner],
    ["GITHUB_SERVER_URL", "https://github.com"],
    ["GITHUB_HEAD_REF", ""],
    ["GITHUB_BASE_REF", ""],
  ];
}

const PUBLISHING_WORDS =
  /\b(helm|oras|docker|podman|crane|skopeo|regctl|cosign|cargo|npm|pnpm|yarn|twine|poetry|goreleaser|gh)\b[^\n]*\b(push|publish|upload|release|copy|cp|sign|attest|tag|create)\b/;

interface JobInput {
  ctx: WorkflowContext;
  workflow: string;
  root: Table;
  readFile: FileReader;
  inputs: Map<string, string | boolean | number | null> | null;
  depth: number;
}

interface Collected {
  images: ImageSpec[];
  artifacts: ArtifactSpec[];
  notVerified: NotVerified[];
  attests: { place: Place; subject: string | null; why?: string }[];
  /** Which run of a job (a matrix combination) each not-verified item was read in. */
  legs: Map<NotVerified, number>;
  /** Counts the runs of jobs read so far. */
  leg: number;
}

/** Resolves an env mapping in order; each value sees the ones before it. */
function resolveEnv(table: unknown, scope: ExpressionScope): void {
  for (const [key, raw] of Object.entries(asTable(table) ?? {})) {
    const v = valueOf(raw, scope);
    scope.env.set(key, v instanceof Unknown || v === null ? (v === null ? "" : null) : String(v));
  }
}

/** A step's name as GitHub shows it: its `name:`, else what it runs ("Run <uses>" or "Run <first line>", without "Run "). */
function stepName(step: Table, index: number): string {
  if (typeof step.name === "string" && step.name.trim()) return step.name;
  if (typeof step.uses === "string") return step.uses;
  const line =
    typeof step.run === "string"
      ? step.run
          .split("\n")
          .map((l) => l.trim())
          .find(Boolean)
      : undefined;
  if (line) return line;
  return typeof step.id === "string" ? step.id : `step ${index + 1}`;
}

/**
 * The platform a GitHub-hosted runner builds for when a build names none: ubuntu-* runners are
 * linux/amd64, ubuntu-*-arm ones linux/arm64. Any other runner (self-hosted, larger, a label
 * decided at run time): null, not known.
 */
function runnerPlatform(job: Table, scope: ExpressionScope): string | null {
  const runsOn = valueOf(
    typeof job["runs-on"] === "string"
      ? job["runs-on"]
      : Array.isArray(job["runs-on"]) && job["runs-on"].length === 1
        ? job["runs-on"][0]
        : null,
    scope,
  );
  if (typeof runsOn !== "string") return null;
  if (/^ubuntu-(latest|\d+\.\d+)$/.test(runsOn)) return "linux/amd64";
  if (/^ubuntu-\d+\.\d+-arm$/.test(runsOn)) return "linux/arm64";
  return null;
}

function shellOf(step: Table, job: Table, root: Table): string | null {
  const defaults = (t: Table | null) => asTable(asTable(t?.defaults)?.run);
  const shell = step.shell ?? defaults(job)?.shell ?? defaults(root)?.shell;
  if (typeof shell === "string") return shell.trim().split(/\s+/)[0]!;
  const runsOn = JSON.stringify(job["runs-on"] ?? "");
  return /windows/i.test(runsOn) ? "pwsh" : null;
}

async function readRunStep(
  step: Table,
  job: Table,
  root: Table,
  scope: ExpressionScope,
  commandCtx: CommandContext,
): Promise<Found[]> {
  const run = String(step.run);
  const shell = shellOf(step, job, root);
  if (shell && shell !== "bash" && shell !== "sh") {
    return PUBLISHING_WORDS.test(run)
      ? [
          {
            notVerified: {
              what: `a ${shell} script`,
              why: `release-kit reads bash and sh scripts only; this one seems to publish`,
            },
          },
        ]
      : [];
  }
  // `${{ }}` is replaced before the shell runs; one whose value is not known marks the words it is in.
  const marks = new Map<string, string>();
  const script = replaceExpressions(run, scope, (source) => {
    const mark = `${UNKNOWN_MARK}${marks.size}__`;
    marks.set(mark, source);
    return mark;
  });
  const env = new Map<string, string | null>([...defaultShellEnv(scope.push), ...scope.env]);
  const dir = valueOf(
    step["working-directory"] ??
      asTable(asTable(job.defaults)?.run)?.["working-directory"] ??
      asTable(asTable(root.defaults)?.run)?.["working-directory"],
    scope,
  );
  const cwd =
    dir === null
      ? ""
      : dir instanceof Unknown
        ? null
        : posix
            .normalize(String(dir))
            .replace(/^\.\/?$/, "")
            .replace(/\/$/, "");
  const sh = await shellSyntax();
  let commands;
  try {
    commands = readScript(sh, script, env, cwd, marks);
  } catch (error) {
    return PUBLISHING_WORDS.test(run)
      ? [
          {
            notVerified: {
              what: "its script",
              why: `the script does not parse as bash (${(error as Error).message}); it seems to publish`,
            },
          },
        ]
      : [];
  }
  const found: Found[] = [];
  for (const command of commands) found.push(...(await publishedBy(command, commandCtx)));
  return found;
}

const MAX_COMBINATIONS = 256;
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The combinations of a job's matrix, as GitHub makes them (product, then exclude, then include);
 * undefined when the job has no matrix, null when the matrix is decided at run time.
 */
export function matrixOf(job: Table, scope: ExpressionScope): Record<string, unknown>[] | null | undefined {
  const matrix = asTable(asTable(job.strategy)?.matrix);
  if (!asTable(job.strategy)?.matrix) return undefined;
  if (!matrix) return null;
  const resolve = (value: unknown): unknown => {
    if (typeof value === "string") {
      const v = valueOf(value, scope);
      if (v instanceof Unknown) throw v;
      return v;
    }
    if (Array.isArray(value)) return value.map(resolve);
    const table = asTable(value);
    return table ? Object.fromEntries(Object.entries(table).map(([k, v]) => [k, resolve(v)])) : value;
  };
  try {
    const keys = Object.keys(matrix).filter((k) => k !== "include" && k !== "exclude");
    let combos: Record<string, unknown>[] = keys.length ? [{}] : [];
    for (const key of keys) {
      const values = resolve(matrix[key]);
      if (!Array.isArray(values)) return null;
      combos = combos.flatMap((c) => values.map((v) => ({ ...c, [key]: v })));
    }
    const exclude = resolve(matrix.exclude ?? []);
    const include = resolve(matrix.include ?? []);
    if (!Array.isArray(exclude) || !Array.isArray(include)) return null;
    combos = combos.filter(
      (c) => !exclude.some((e) => Object.entries(asTable(e) ?? {}).every(([k, v]) => same(c[k], v))),
    );
    for (const entry of include.map((e) => asTable(e) ?? {})) {
      // Added to every combination whose own values it does not change; else a combination of its own.
      const fits = combos.filter((c) => Object.entries(entry).every(([k, v]) => !keys.includes(k) || same(c[k], v)));
      if (keys.length && fits.length) for (const c of fits) Object.assign(c, entry);
      else combos.push({ ...entry });
    }
    return combos.length <= MAX_COMBINATIONS ? combos : null;
  } catch (error) {
    if (error instanceof Unknown) return null;
    throw error;
  }
}

async function readJob(
  jobId: string,
  job: Table,
  input: JobInput,
  workflowEnv: Map<string, string | null>,
  into: Collected,
): Promise<void> {
  const scope: ExpressionScope = {
    push: input.ctx,
    env: new Map(workflowEnv),
    envComplete: true,
    steps: new Map(),
    inputs: input.inputs,
  };
  const combos = matrixOf(job, scope);
  // A written-out matrix runs the job once per combination; one decided at run time leaves `matrix` unknown.
  for (const matrix of combos?.length ? combos : [null]) {
    into.leg++;
    await readJobOnce(jobId, job, input, workflowEnv, into, matrix);
  }
}

async function readJobOnce(
  jobId: string,
  job: Table,
  input: JobInput,
  workflowEnv: Map<string, string | null>,
  into: Collected,
  matrix: Record<string, unknown> | null,
): Promise<void> {
  const { ctx, readFile } = input;
  const base: ExpressionScope = {
    push: ctx,
    env: new Map(workflowEnv),
    envComplete: true,
    steps: new Map(),
    inputs: input.inputs,
    matrix,
  };
  const runs = condition(job.if, base);
  if (runs === false) return;
  const jobCondition =
    runs instanceof Unknown
      ? `the job runs only ${runs.what.replace(/^if: /, "if ")}, which is not known before the run`
      : null;

  if (typeof job.uses === "string") return readCalledWorkflow(jobId, job, input, base, jobCondition, into);

  resolveEnv(job.env, base);
  const commandCtx: CommandContext = { readFile, packaged: new Map<string, PackagedChart>() };
  const steps = Array.isArray(job.steps) ? job.steps : [];
  await readSteps(steps, {
    input,
    job,
    jobId,
    base,
    jobCondition,
    commandCtx,
    into,
    prefix: "",
    depth: 0,
    platform: runnerPlatform(job, base),
  });
}

interface StepsInput {
  input: JobInput;
  job: Table;
  jobId: string;
  /** What the steps see: env so far, earlier steps' outputs, inputs (of a composite action). */
  base: ExpressionScope;
  jobCondition: string | null;
  commandCtx: CommandContext;
  into: Collected;
  /** "<step> / " inside a composite action, so its steps are named by the step that uses it. */
  prefix: string;
  depth: number;
  /** What the job's runner builds for when a build names no platform; null: not known. */
  platform: string | null;
}

async function readSteps(steps: unknown[], s: StepsInput): Promise<void> {
  const { input, job, jobId, base, jobCondition, commandCtx, into } = s;
  let envComplete = base.envComplete;
  for (const [index, value] of steps.entries()) {
    const step = asTable(value) ?? {};
    const place: Place = { workflow: input.workflow, job: jobId, step: `${s.prefix}${stepName(step, index)}` };
    const scope: ExpressionScope = { ...base, env: new Map(base.env), envComplete, steps: base.steps };
    resolveEnv(step.env, scope);
    const stepRuns = condition(step.if, scope);
    if (stepRuns === false) continue;
    const why =
      jobCondition ??
      (stepRuns instanceof Unknown
        ? `the step runs only ${stepRuns.what.replace(/^if: /, "if ")}, which is not known before the run`
        : null);
    let found: Found[] = [];
    if (typeof step.uses === "string" && step.uses.startsWith("./")) {
      found = await readLocalAction(step, scope, place, { ...s, base: scope, jobCondition: why });
      envComplete = false;
    } else if (typeof step.uses === "string") {
      const reading = readAction(
        step.uses,
        asTable(step.with) ?? {},
        scope,
        typeof step.id === "string" ? step.id : null,
      );
      found = reading.found;
      if (reading.outputs && typeof step.id === "string" && !why) base.steps.set(step.id, reading.outputs);
      if (reading.attests)
        into.attests.push({ place, subject: why ? null : reading.attests.subject, why: why ?? reading.attests.why });
      // An action may export variables for the steps after it.
      envComplete = false;
    } else if (typeof step.run === "string") {
      found = await readRunStep(step, job, input.root, scope, commandCtx);
      if (/GITHUB_ENV/.test(step.run)) envComplete = false;
    }
    // One image per reference this step pushes: what one build pushes, in this run of the job.
    const built = new Map<string, ImageSpec>();
    const say = (item: NotVerified) => {
      into.notVerified.push(item);
      into.legs.set(item, into.leg);
    };
    for (const f of found) {
      if ("notVerified" in f) say({ ...place, ...f.notVerified });
      else if (why)
        say({
          ...place,
          what: "image" in f ? `image ${f.image.ref}` : `${f.artifact.kind} ${f.artifact.ref}:${f.artifact.tag}`,
          why,
        });
      else if ("image" in f) {
        const platforms = f.image.platforms ?? (f.built && s.platform ? [s.platform] : null);
        const seen = built.get(f.image.ref);
        if (seen) {
          seen.tags = [...new Set([...seen.tags, ...f.image.tags])];
          seen.platforms ??= platforms;
        } else {
          const image: ImageSpec = { ...place, id: "", ...f.image, tags: [...f.image.tags], platforms, attest: false };
          built.set(image.ref, image);
          into.images.push(image);
        }
      } else into.artifacts.push({ ...place, ...f.artifact });
    }
  }
}

/** A composite action of this repository (`uses: ./path`): its steps are read as the job's, with its inputs. */
async function readLocalAction(step: Table, scope: ExpressionScope, place: Place, s: StepsInput): Promise<Found[]> {
  const dir = posix.normalize(String(step.uses).slice(2)).replace(/\/$/, "");
  const text = (await s.input.readFile(`${dir}/action.yml`)) ?? (await s.input.readFile(`${dir}/action.yaml`));
  // An action that cannot be read step by step is named when its name says it publishes.
  const unread = (why: string): Found[] =>
    PUBLISHING_NAME.test(posix.basename(dir)) ? [{ notVerified: { what: `local action ${dir}`, why } }] : [];
  if (text === null) return unread(`there is no ${dir}/action.yml at the tag, so what it publishes cannot be read`);
  let action: Table | null;
  try {
    action = asTable(parseDocument(text).toJS({ maxAliasCount: 100 }));
  } catch {
    action = null;
  }
  const runs = asTable(action?.runs);
  // A JavaScript or Docker action is code release-kit does not read; only composite steps can be.
  if (!action || runs?.using !== "composite" || !Array.isArray(runs.steps))
    return unread(
      `it is ${action ? `a ${String(runs?.using ?? "non-composite")} action` : "not a valid action.yml"}, whose code release-kit does not read`,
    );
  if (s.depth >= 8)
    return [{ notVerified: { what: `composite action ${dir}`, why: "composite actions nest too deep to read" } }];
  const given = asTable(step.with) ?? {};
  const inputs = new Map<string, string | boolean | number | null>();
  for (const [name, spec] of Object.entries(asTable(action.inputs) ?? {})) {
    const value = name in given ? valueOf(given[name], scope) : valueOf(asTable(spec)?.default ?? "", scope);
    inputs.set(
      name,
      value instanceof Unknown
        ? null
        : typeof value === "string" || typeof value === "boolean" || typeof value === "number"
          ? value
          : "",
    );
  }
  const base: ExpressionScope = { ...scope, env: new Map(scope.env), steps: new Map(), inputs };
  await readSteps(runs.steps, { ...s, base, prefix: `${place.step} / `, depth: s.depth + 1 });
  return [];
}

/** A job that calls a reusable workflow: one in this repository is read with the inputs it is given. */
async function readCalledWorkflow(
  jobId: string,
  job: Table,
  input: JobInput,
  scope: ExpressionScope,
  jobCondition: string | null,
  into: Collected,
): Promise<void> {
  const uses = String(job.uses);
  const place: Place = { workflow: input.workflow, job: jobId, step: "(uses)" };
  if (!uses.startsWith("./") || input.depth >= 4) {
    into.notVerified.push({
      ...place,
      what: `reusable workflow ${uses}`,
      why:
        input.depth >= 4
          ? "reusable workflows nest deeper than GitHub allows"
          : "reusable workflows of other repositories are not read by release-kit",
    });
    return;
  }
  const path = uses.slice(2).split("@")[0]!;
  const text = await input.readFile(path);
  if (text === null) {
    into.notVerified.push({ ...place, what: `reusable workflow ${path}`, why: `there is no ${path} at the tag` });
    return;
  }
  const called = await checkWorkflow(text, path);
  const declared = asTable(asTable(asTable(called.root.on)?.workflow_call)?.inputs) ?? {};
  const given = asTable(job.with) ?? {};
  const inputs = new Map<string, string | boolean | number | null>();
  for (const [name, spec] of Object.entries(declared)) {
    const value = name in given ? valueOf(given[name], scope) : (asTable(spec)?.default ?? "");
    inputs.set(name, value instanceof Unknown ? null : (value as string | boolean | number | null));
  }
  const firstImage = into.images.length;
  const firstArtifact = into.artifacts.length;
  await readJobs(
    called.root,
    { ...input, workflow: input.workflow, root: called.root, inputs, depth: input.depth + 1 },
    into,
    `${jobId}/`,
  );
  if (jobCondition) {
    for (const image of into.images.splice(firstImage))
      into.notVerified.push({
        workflow: image.workflow,
        job: image.job,
        step: image.step,
        what: `image ${image.ref}`,
        why: jobCondition,
      });
    for (const a of into.artifacts.splice(firstArtifact))
      into.notVerified.push({
        workflow: a.workflow,
        job: a.job,
        step: a.step,
        what: `${a.kind} ${a.ref}:${a.tag}`,
        why: jobCondition,
      });
  }
}

async function readJobs(root: Table, input: JobInput, into: Collected, prefix = ""): Promise<string[]> {
  const scope: ExpressionScope = {
    push: input.ctx,
    env: new Map(),
    envComplete: true,
    steps: new Map(),
    inputs: input.inputs,
  };
  resolveEnv(root.env, scope);
  const jobs = asTable(root.jobs) ?? {};
  for (const [id, job] of Object.entries(jobs))
    await readJob(`${prefix}${id}`, asTable(job) ?? {}, input, scope.env, into);
  return Object.keys(jobs);
}

/** Reads what a workflow publishes for this push. */
export async function readWorkflow(
  checked: CheckedWorkflow,
  ctx: WorkflowContext,
  readFile: FileReader,
): Promise<Workflow> {
  const into: Collected = { images: [], artifacts: [], notVerified: [], attests: [], legs: new Map(), leg: 0 };
  // A run started by a push has an empty inputs context: `inputs.x` is null, not unknown.
  const jobs = await readJobs(
    checked.root,
    { ctx, workflow: checked.path, root: checked.root, readFile, inputs: new Map(), depth: 0 },
    into,
  );
  // Attestations name their image; one in a job with a single image may leave it implied.
  for (const a of into.attests) {
    const sameJob = into.images.filter((i) => i.job === a.place.job);
    const target = a.subject
      ? into.images.filter((i) => i.ref === a.subject)
      : a.why
        ? []
        : sameJob.length === 1
          ? sameJob
          : [];
    if (target.length) for (const image of target) image.attest = true;
    else
      into.notVerified.push({
        ...a.place,
        what: `a provenance attestation${a.subject ? ` of ${a.subject}` : ""}`,
        why:
          a.why ??
          (a.subject
            ? `no step of this workflow was read to push ${a.subject}`
            : "it does not say which image it attests"),
      });
  }
  // A matrix job reads its steps once per combination: what another combination already said is
  // said once; two steps of one combination that say the same are two steps, and both are named.
  const said = new Map<string, number>();
  const notVerified = into.notVerified.filter((n) => {
    const key = JSON.stringify([n.workflow, n.job, n.step, n.what, n.why]);
    const leg = into.legs.get(n) ?? 0;
    const first = said.get(key);
    if (first === undefined) said.set(key, leg);
    return first === undefined || first === leg;
  });
  // Combinations that push the very same image (the same tags and platforms) push one image.
  const images = into.images.filter((a, i, all) => all.findIndex((b) => sameImage(a, b)) === i);
  const name = typeof checked.root.name === "string" ? checked.root.name : null;
  return {
    path: checked.path,
    name,
    jobs,
    filters: checked.filters,
    images: withIds(images),
    artifacts: into.artifacts.filter((a, i, all) => all.findIndex((b) => b.ref === a.ref && b.tag === a.tag) === i),
    notVerified,
  };
}

const sameImage = (a: ImageSpec, b: ImageSpec) =>
  a.ref === b.ref &&
  a.workflow === b.workflow &&
  a.job === b.job &&
  a.step === b.step &&
  JSON.stringify(a.tags) === JSON.stringify(b.tags) &&
  JSON.stringify(a.platforms) === JSON.stringify(b.platforms);

/** Check ids: `image:<ref>` when one build pushes <ref>, else `image:<ref>:<first tag>` (then #2, #3 when even that repeats). */
export function withIds(images: ImageSpec[]): ImageSpec[] {
  const builds = new Map<string, number>();
  for (const image of images) builds.set(image.ref, (builds.get(image.ref) ?? 0) + 1);
  const used = new Map<string, number>();
  return images.map((image) => {
    const base = builds.get(image.ref)! > 1 ? `image:${image.ref}:${image.tags[0] ?? "latest"}` : `image:${image.ref}`;
    const n = (used.get(base) ?? 0) + 1;
    used.set(base, n);
    return { ...image, id: n > 1 ? `${base}#${n}` : base };
  });
}
