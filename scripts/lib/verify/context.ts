// What every verify check is given: the tag and its commit, the tag workflows as they were at that
// commit (the files the runs used), GitHub, the registry, and the receipt the checks fill in.
import type { Config } from "../config.ts";
import type { RegistryAccess } from "../facts/index.ts";
import type { GitHub } from "../github.ts";
import type { Runner } from "../run.ts";
import type { TagWorkflows } from "../workflow/index.ts";

export interface ImageReceipt {
  ref: string;
  digest: string | null;
  platforms: string[];
  tags: string[];
}

export interface Receipt {
  release_url: string | null;
  /** The run of the tag workflow (the first, when several start). */
  run_id: number | null;
  /** Every tag workflow's run, by workflow file. */
  runs: { workflow: string; run_id: number }[];
  images: ImageReceipt[];
  artifacts: { name: string; ref: string; tag: string; digest: string | null; media_type: string | null }[];
}

export interface VerifyContext {
  r: Runner;
  config: Config;
  tag: string;
  version: string;
  /** The local tag's commit. */
  commit: string;
  gh: GitHub;
  /** The workflows the tag started, read at the tag's commit (the files the runs used). */
  workflows: TagWorkflows;
  registry: RegistryAccess;
  /** --wait: seconds to wait for the run; null: do not wait. */
  waitSeconds: number | null;
  receipt: Receipt;
}
