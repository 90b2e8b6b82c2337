// The bash the sandbox runs its scripts with (workflow steps, the remote's push hooks): by path,
// so a PATH that leads elsewhere, or to the stand-ins' folder, never changes which shell runs.
import { existsSync } from "node:fs";

export const BASH = ["/bin/bash", "/usr/bin/bash"].find((p) => existsSync(p)) ?? "/bin/bash";
