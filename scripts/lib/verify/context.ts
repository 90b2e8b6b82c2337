// What every verify check is given: the tag and its commit, the workflow as it was at that commit
// (the file the run used), GitHub, the registry, and the receipt the checks fill in.
import type { Config } from "../config.ts";
import type { GitHub } from "../github.ts";
import type { RegistryAccess } from "./registry-access.ts";
import type { Runner } from "../run.ts";
import type { Workflow } from "../workflow.ts";

export interface ImageReceipt {
  ref: string;
  digest: string | null;
  platforms: string[];
  tags: string[];
}

export interface Receipt {
  release_url: string | null;
  run_id: number | null;
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
  /** null: no workflow file at the tag's commit (its checks skip). */
  workflow: Workflow | null;
  workflowProblem: string | null;
  registry: RegistryAccess;
  /** --wait: seconds to wait for the run; null: do not wait. */
  waitSeconds: number | null;
  receipt: Receipt;
}
